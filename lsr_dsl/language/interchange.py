"""The AST's JSON interchange form (``lsr compile --emit ast``), and its JSON Schema.

A document is the JSON of a :class:`~lsr_dsl.language.ast.Module`: ``{"kind": "module",
"lsr": 1, "settings": [...], "definitions": [...], "specs": [...]}``. Spans are
optional. Datasets carry specs in this form; :func:`from_json` loads it back
with the same checks as source text.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional, Union

from pydantic import ValidationError

from lsr_dsl.language import ast
from lsr_dsl.language.errors import Diagnostic, LsrSchemaError


def to_json(module: ast.Module, *, spans: bool = True) -> Dict[str, Any]:
    return module.to_json(spans=spans)


def dumps_json(module: ast.Module, *, spans: bool = True, indent: Optional[int] = 2) -> str:
    return json.dumps(to_json(module, spans=spans), indent=indent, ensure_ascii=False)


def from_json(data: Union[str, bytes, Dict[str, Any]], *, file: Optional[str] = None) -> ast.Module:
    """Load AST JSON (a dict or a JSON string). Raises :class:`LsrSchemaError` naming the bad field."""
    where = file or "<json>"
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as e:
            from lsr_dsl.language.span import Span

            span = Span(line=e.lineno, column=e.colno, end_line=e.lineno, end_column=e.colno + 1, file=file)
            raise LsrSchemaError.from_diagnostics(
                [Diagnostic(f"invalid JSON: {e.msg}", span, source=data if isinstance(data, str) else None)]
            ) from None
    if not isinstance(data, dict):
        raise LsrSchemaError(f"{where}: AST JSON must be an object, not {type(data).__name__}")
    if data.get("kind") in ("atom", "and", "then", "if", "group", "scope", "for_each"):
        # a bare expression: wrap it as the spec 'main'
        data = {"kind": "module", "specs": [{"kind": "spec", "name": "main", "expr": data}], "bare": True}
    if data.get("kind", "module") != "module":
        raise LsrSchemaError(f"{where}: expected kind 'module', not {data.get('kind')!r}")
    version = data.get("lsr", ast.AST_VERSION)
    if version != ast.AST_VERSION:
        raise LsrSchemaError(f"{where}: AST version {version!r} is not supported (this lsr reads version {ast.AST_VERSION})")
    try:
        module = ast.Module.model_validate(data)
    except ValidationError as ve:
        diags = []
        for err in ve.errors()[:10]:
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.get("loc", ()))
            diags.append(Diagnostic(f"{path.lstrip('.') or '<root>'}: {err.get('msg')}", file=where))
        raise LsrSchemaError.from_diagnostics(diags) from None
    if file is not None and module.file is None:
        module = module.model_copy(update={"file": file})
    return module


def json_schema() -> Dict[str, Any]:
    """The JSON Schema of the interchange form (draft 2020-12)."""
    schema = ast.Module.model_json_schema(by_alias=True, mode="validation")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://lsr.dev/schemas/ast-v1.json",
        **schema,
        "title": "lsr AST (interchange form, version 1)",
    }
    return schema


def main() -> None:  # python -m lsr_dsl.interchange > docs/ast.schema.json
    print(json.dumps(json_schema(), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
