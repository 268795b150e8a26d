"""IFEval rows → .lsr specs (``lsr import ifeval``).

An IFEval row (``key``, ``prompt``, ``instruction_id_list``, ``kwargs``) becomes
one spec block whose body is the AND of its instructions, in order::

    spec ifeval_1000 {
      id: 1000
      prompt: "Write a 300+ word summary …"
      punctuation:no_comma AND detectable_format:number_highlighted_sections(num_highlights=3)
        AND length_constraints:number_words(relation="at least", num_words=300)
    }

Choices (see ``docs/eval.md``):

- Atoms are named by their **IFEval instruction id** (an accepted alias of the
  DSL name), so a spec reads like the row it came from and the trace's
  ``label`` is the instruction id.
- ``null`` kwargs mean "not given" and are dropped; the other kwargs are written
  in the row's order, with IFEval's parameter names.
- Repeated instruction ids are kept, each as its own operand, in order.
- The prompt is kept as the spec's ``prompt`` metadata (exactly, escapes and
  all), the key as its ``id``.

Besides IFEval's own format, :func:`instructions_of` reads the ground-truth
column of open RLVR datasets (allenai open-instruct): a JSON (or Python-literal)
string or value that is a list of ``{"instruction_id": [...], "kwargs": [...]}``
dicts, one such dict, or an old-style ``{"func_name": ..., <args>}`` dict, whose
function is an instruction of its own (:mod:`lsr_dsl.constraints.if_functions`).
"""
from __future__ import annotations

import ast as _pyast
import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from lsr_dsl.language.errors import LsrDataError, LsrError, closest, describe_error
from lsr_dsl.language.formatter import format_string, format_value

__all__ = [
    "GroundTruth",
    "GroundTruthError",
    "Instruction",
    "instructions_of",
    "instructions_source",
    "spec_of_ground_truth",
    "row_key",
    "row_prompt",
    "spec_name",
    "to_spec",
    "atom_source",
    "check_instruction",
]

#: One instruction of a row: (instruction id, kwargs without nulls).
Instruction = Tuple[str, Dict[str, Any]]

_NAME_OK = re.compile(r"[A-Za-z0-9_]")


def _registry():
    from lsr_dsl.constraints.registry import REGISTRY

    return REGISTRY


def _ifeval_ids() -> Sequence[str]:
    """The instruction ids a row may use: IFEval's and IFEvalG's (the hints prefer them)."""
    from lsr_dsl.constraints.ifevalg import IFEVALG_ALL_IDS

    return list(IFEVALG_ALL_IDS)


# ---------------------------------------------------------------------------
# Keys, names, prompts


def parse_row(text: Any) -> Mapping[str, Any]:
    """One JSONL row as a mapping (a mapping passes through); LsrDataError otherwise."""
    from lsr_dsl.language.errors import LsrDataError

    row = text
    if isinstance(text, (str, bytes)):
        try:
            row = json.loads(text)
        except ValueError as e:
            raise LsrDataError(f"not a JSON object ({e})") from None
    if not isinstance(row, Mapping):
        raise LsrDataError(f"a row must be a JSON object, not {type(row).__name__}")
    return row


def row_key(row: Mapping[str, Any], default: Any = None) -> Any:
    """The row's identifier: ``key``, else ``id``, else ``default`` (e.g. the line number)."""
    for k in ("key", "id"):
        v = row.get(k)
        if v is not None and not isinstance(v, bool) and isinstance(v, (int, str)):
            return v
    return default


def spec_name(key: Any) -> str:
    """``ifeval_<key>``, with every character outside ``[A-Za-z0-9_]`` replaced by ``_``."""
    return "ifeval_" + "".join(c if _NAME_OK.fullmatch(c) else "_" for c in str(key))


def row_prompt(row: Mapping[str, Any]) -> Optional[str]:
    """The prompt: ``prompt``, else the last user message of ``messages`` (RLVR rows)."""
    p = row.get("prompt")
    if isinstance(p, str):
        return p
    msgs = row.get("messages")
    if isinstance(msgs, list):
        for m in reversed(msgs):
            if isinstance(m, Mapping) and m.get("role") == "user" and isinstance(m.get("content"), str):
                return m["content"]
    return None


# ---------------------------------------------------------------------------
# Reading the instructions of a row


def _loads_lenient(text: str) -> Any:
    """JSON, or a Python literal (open-instruct writes ground truth with ``str(list)``)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return _pyast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError("ground_truth is neither JSON nor a Python literal") from None


def _clean_kwargs(kw: Any, where: str) -> Dict[str, Any]:
    if kw is None:
        return {}
    if not isinstance(kw, Mapping):
        raise ValueError(f"{where}: kwargs must be an object, not {type(kw).__name__}")
    return {str(k): v for k, v in kw.items() if v is not None}


def _pairs(ids: Any, kwargs: Any) -> List[Instruction]:
    if isinstance(ids, str):
        ids = [ids]
        if isinstance(kwargs, Mapping) or kwargs is None:
            kwargs = [kwargs]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ValueError("instruction_id_list must be a list of strings")
    if kwargs is None:
        kwargs = [None] * len(ids)
    if not isinstance(kwargs, list):
        raise ValueError(f"kwargs must be a list (one object per instruction), not {type(kwargs).__name__}")
    if len(kwargs) != len(ids):
        raise ValueError(f"{len(ids)} instruction ids but {len(kwargs)} kwargs objects")
    return [(i, _clean_kwargs(kw, f"instruction {n} ({i})")) for n, (i, kw) in enumerate(zip(ids, kwargs), 1)]


def _from_func_name(gt: Mapping[str, Any]) -> List[Instruction]:
    """An old-style open-instruct ``{"func_name": …, <args>}`` ground truth → one instruction.

    The instruction is the function itself (``lsr_dsl.constraints.if_functions``: each of
    open-instruct's 25 ``if_functions`` checked exactly), with its arguments, nulls dropped.
    """
    from lsr_dsl.constraints.if_functions import IF_FUNCTION_NAMES

    f = gt.get("func_name")
    if f not in IF_FUNCTION_NAMES:
        guess = closest(str(f), IF_FUNCTION_NAMES)
        hint = f" (did you mean '{guess}'?)" if guess else ""
        raise ValueError(f"unknown ground-truth func_name {f!r}{hint}")
    return [(f, {str(k): v for k, v in gt.items() if k != "func_name" and v is not None})]


def _from_ground_truth(gt: Any, depth: int = 0) -> List[Instruction]:
    if depth > 4:
        raise ValueError("ground_truth is nested too deeply")
    if isinstance(gt, str):
        return _from_ground_truth(_loads_lenient(gt), depth + 1)
    if isinstance(gt, list):
        if not gt:
            raise ValueError("ground_truth is an empty list")
        out: List[Instruction] = []
        for item in gt:
            out.extend(_from_ground_truth(item, depth + 1))
        return out
    if isinstance(gt, Mapping):
        if "func_name" in gt:
            return _from_func_name(gt)
        for ids_key in ("instruction_id_list", "instruction_id"):
            if ids_key in gt:
                return _pairs(gt[ids_key], gt.get("kwargs"))
        raise ValueError("ground_truth has neither 'instruction_id' nor 'func_name'")
    raise ValueError(f"ground_truth must be a string, list or object, not {type(gt).__name__}")


def instructions_of(row: Mapping[str, Any]) -> List[Instruction]:
    """The row's instructions in order, repeated ids kept, null kwargs dropped.

    Reads ``instruction_id_list`` (or ``instruction_id``) + ``kwargs``, else
    ``ground_truth``. Raises ``ValueError`` with a reason when the row has neither
    or they are malformed (no id validation here: see :func:`check_instruction`).
    """
    if not isinstance(row, Mapping):
        raise ValueError(f"a row must be a JSON object, not {type(row).__name__}")
    for ids_key in ("instruction_id_list", "instruction_id"):
        if ids_key in row:
            out = _pairs(row[ids_key], row.get("kwargs"))
            break
    else:
        if "ground_truth" in row:
            out = _from_ground_truth(row["ground_truth"])
        else:
            raise ValueError("the row has no 'instruction_id_list' + 'kwargs' (nor a 'ground_truth')")
    if not out:
        raise ValueError("the row has no instructions")
    return out


# ---------------------------------------------------------------------------
# One reading of a ground-truth value, for every trainer and for ``lsr eval``


class GroundTruthError(LsrDataError, ValueError):
    """A ground-truth value that is neither an lsr spec nor an IFEval/RLVR instruction list."""


@dataclass(frozen=True)
class GroundTruth:
    """What a ground-truth value says to check.

    ``spec`` is what :func:`lsr_dsl.api.compile_any` reads (lsr source, a path,
    AST JSON: ``lsr_spec``); for IFEval/RLVR forms it is the AND of the instructions,
    which ``instructions`` holds (in order, repeats kept). ``prompt`` comes from a
    ``{"spec": …, "prompt": …}`` wrapper. ``form`` names the form read:
    ``"lsr"``, ``"lsr-ast-json"``, ``"lsr-file"`` or ``"ifeval"``.
    """

    form: str
    lsr_spec: Union[str, Mapping[str, Any], None] = None
    instructions: Optional[Tuple[Instruction, ...]] = None
    prompt: Optional[str] = None

    @property
    def spec(self) -> Union[str, Mapping[str, Any]]:
        """What :func:`lsr_dsl.api.compile_any` reads; for instructions, their AND as source
        (``ValueError`` when a kwargs key cannot be written as a parameter name)."""
        if self.instructions is not None:
            return instructions_source(self.instructions)
        return self.lsr_spec


_IFEVAL_KEYS = ("instruction_id_list", "instruction_id", "func_name")


def _plain(value: Any, depth: int = 0) -> Any:
    """numpy arrays / scalars (parquet columns as verl hands them over) → Python lists / numbers."""
    if depth > 8:
        return value
    if isinstance(value, (str, bytes, bool, int, float)) or value is None:
        return value.decode("utf-8") if isinstance(value, bytes) else value
    if isinstance(value, Mapping):
        return {k: _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if hasattr(value, "tolist"):  # numpy array or scalar
        return _plain(value.tolist(), depth + 1)
    return value


def instructions_source(instructions: Sequence[Instruction]) -> str:
    """The AND of the instructions as .lsr source (no spec block: rows with the same
    instructions share one compiled program)."""
    return " AND ".join(atom_source(i, kw) for i, kw in instructions)


def _ifeval(value: Any, prompt: Optional[str]) -> GroundTruth:
    try:
        found = tuple(_from_ground_truth(value))
    except ValueError as e:
        raise GroundTruthError(str(e)) from None
    if not found:
        raise GroundTruthError("the ground truth has no instructions")
    return GroundTruth(form="ifeval", instructions=found, prompt=prompt)


def spec_of_ground_truth(value: Any, prompt: Optional[str] = None) -> GroundTruth:
    """Read a ground-truth value in any form ``lsr eval`` and the trainer adapters accept.

    - IFEval/RLVR instructions: ``{"instruction_id_list"|"instruction_id": [...], "kwargs": [...]}``,
      a list of such dicts, an old-style ``{"func_name": ...}`` dict, each also as a JSON or
      Python-literal string (allenai's RLVR-IFeval writes ``str(list)``);
    - an lsr spec: source text, a path to a ``.lsr``/``.json`` file, AST JSON (dict or string);
    - either of those wrapped as ``{"spec": ..., "prompt": ...}`` (also as a JSON string);
    - a row object whose ``ground_truth`` field holds any of these.

    numpy arrays and bytes (parquet columns) are read as lists and text. Raises
    :class:`GroundTruthError` with the reason when the value is none of these (instruction
    ids and parameter values are not checked here: see :func:`check_instruction`).
    """
    value = _plain(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise GroundTruthError("the ground truth is empty (expected an lsr spec or IFEval instructions)")
    if isinstance(value, Mapping):
        if "spec" in value and not any(k in value for k in _IFEVAL_KEYS):
            p = value.get("prompt")
            if p is not None and not isinstance(p, str):
                raise GroundTruthError(f"'prompt' must be a string, not {type(p).__name__}")
            inner = value["spec"]
            if isinstance(inner, Mapping) and "spec" in inner:
                raise GroundTruthError("'spec' holds another {\"spec\": …} wrapper")
            return spec_of_ground_truth(inner, p if p is not None else prompt)
        if any(k in value for k in _IFEVAL_KEYS):
            return _ifeval(value, prompt)
        if "ground_truth" in value and "kind" not in value:  # a dataset row: its ground_truth field
            return spec_of_ground_truth(value["ground_truth"], prompt)
        if "kind" in value:
            return GroundTruth(form="lsr-ast-json", lsr_spec=dict(value), prompt=prompt)
        keys = ", ".join(repr(k) for k in list(value)[:6]) or "none"
        raise GroundTruthError(
            f"an object ground truth needs 'instruction_id_list' (or 'instruction_id') + 'kwargs', "
            f"'func_name', 'spec', or AST JSON's 'kind'; it has {keys}")
    if isinstance(value, list):
        return _ifeval(value, prompt)
    if not isinstance(value, str):
        raise GroundTruthError(f"the ground truth must be text, a list or an object, not {type(value).__name__}")
    text = value.strip()
    if text[0] in "[{":
        try:
            parsed = _loads_lenient(text)
        except ValueError:
            if text[0] == "{":  # broken AST JSON: the compiler reports where
                return GroundTruth(form="lsr-ast-json", lsr_spec=value, prompt=prompt)
            raise GroundTruthError("the ground truth starts with '[' but is neither JSON nor a Python literal") from None
        if isinstance(parsed, Mapping) and "kind" in parsed and not any(k in parsed for k in _IFEVAL_KEYS):
            return GroundTruth(form="lsr-ast-json", lsr_spec=value, prompt=prompt)  # keeps JSON positions
        return spec_of_ground_truth(parsed, prompt)
    if text.endswith((".lsr", ".json")) and "\n" not in text:
        return GroundTruth(form="lsr-file", lsr_spec=value, prompt=prompt)
    return GroundTruth(form="lsr", lsr_spec=value, prompt=prompt)



def compile_ground_truth(value: Any, *, mode: Optional[str] = None, gamma: Optional[float] = None,
                         read_files: bool = True) -> Tuple[Any, Optional[str]]:
    """Read ``value`` as :func:`spec_of_ground_truth` does and compile it: ``(Program, prompt)``.

    The one path from a trainer's or a server's label to a program. Raises
    :class:`GroundTruthError` saying why not: an unreadable form; a path to a spec file when
    ``read_files`` is false (a server never reads files a client names); for instructions, each
    unknown id or bad value with its position and a "did you mean"; for an lsr spec, its
    diagnostics on one line.
    """
    from lsr_dsl.api import compile_any

    gt = spec_of_ground_truth(value)
    if gt.form == "lsr-file" and not read_files:
        raise GroundTruthError(f"{str(gt.lsr_spec).strip()!r} looks like a file path; files named in a "
                               f"label are not read: send the spec's text")
    if gt.instructions is None:
        return compile_any(gt.spec, mode=mode, gamma=gamma), gt.prompt  # an lsr spec's LsrError as is
    try:
        return compile_any(gt.spec, mode=mode, gamma=gamma), gt.prompt
    except (LsrError, ValueError) as exc:
        reasons = [f"instruction {i} ({iid}): {why}"
                   for i, (iid, kw) in enumerate(gt.instructions, 1)
                   if (why := check_instruction(iid, kw)) is not None]
        raise GroundTruthError("; ".join(reasons) or f"the instructions do not compile: {describe_error(exc)}") from None


# ---------------------------------------------------------------------------
# Writing source


def _call(name: str, kwargs: Mapping[str, Any]) -> str:
    if not kwargs:
        return name
    return name + "(" + ", ".join(f"{k}={format_value(v)}" for k, v in kwargs.items()) + ")"


def atom_source(instruction_id: str, kwargs: Mapping[str, Any]) -> str:
    """One instruction as an .lsr operand: ``id(k=v, …)``."""
    for k in kwargs:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k):
            raise ValueError(f"kwargs key {k!r} is not a parameter name")
    return _call(_source_name(instruction_id), kwargs)


def _source_name(instruction_id: str) -> str:
    """An alias that .lsr source cannot spell (``ifbench/format:sub-bullets``) -> the constraint's name."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(:[A-Za-z_][A-Za-z0-9_]*)?", instruction_id):
        return instruction_id
    c = _registry().get(instruction_id)
    return c.name if c is not None else instruction_id


def check_instruction(instruction_id: str, kwargs: Mapping[str, Any]) -> Optional[str]:
    """``None`` if the instruction compiles, else the reason (unknown id, bad value …)."""
    if instruction_id not in _registry():
        return unknown_id_message(instruction_id)
    from lsr_dsl.api import compile as _compile

    try:
        _compile(atom_source(instruction_id, kwargs))
    except (LsrError, ValueError) as e:
        return _reason(e)
    return None


def unknown_id_message(instruction_id: str) -> str:
    guess = closest(instruction_id, _ifeval_ids()) or closest(instruction_id, list(_registry().names()))
    hint = f" (did you mean '{guess}'?)" if guess else ""
    return f"unknown instruction id {instruction_id!r}{hint}"


def _reason(e: Exception) -> str:
    if isinstance(e, LsrError) and e.errors:
        msgs = [d.message for d in e.errors]
        return "; ".join(dict.fromkeys(msgs))
    return str(e)


def spec_source(key: Any, prompt: Optional[str], instructions: Sequence[Instruction]) -> str:
    """The spec block text for already-read instructions (no validation)."""
    head = [f"spec {spec_name(key)} {{"]
    head.append(f"  id: {format_value(key) if isinstance(key, (int, str)) and not isinstance(key, bool) else format_string(str(key))}")
    if prompt is not None:
        head.append(f"  prompt: {format_string(prompt)}")
    ops = [atom_source(i, kw) for i, kw in instructions]
    body = "  " + "\n    AND ".join(ops)
    return "\n".join(head) + "\n" + body + "\n}\n"


def to_spec(row: Mapping[str, Any], *, key: Any = None, check: bool = True) -> str:
    """An IFEval-format row (or an RLVR ground-truth row) → .lsr source of one spec.

    ``key`` overrides the row's ``key``/``id`` (required when the row has neither).
    With ``check`` (default) every instruction is validated and a bad row raises
    :class:`~lsr_dsl.language.errors.LsrDataError` naming the row key and the instruction.
    """
    k = row_key(row, key) if key is None else key
    if k is None:
        raise LsrDataError("the row has no 'key' (or 'id'); pass key=…")
    try:
        instructions = instructions_of(row)
    except ValueError as e:
        raise LsrDataError(f"row {k}: {e}") from None
    if check:
        problems = []
        for n, (iid, kw) in enumerate(instructions, 1):
            why = check_instruction(iid, kw)
            if why is not None:
                problems.append(f"instruction {n} ({iid}): {why}")
        if problems:
            raise LsrDataError(f"row {k}: " + "; ".join(problems))
    try:
        source = spec_source(k, row_prompt(row), instructions)
    except ValueError as e:
        raise LsrDataError(f"row {k}: {e}") from None
    from lsr_dsl.api import fmt

    try:
        return fmt(source)  # the canonical layout: lsr fmt leaves imported files unchanged
    except LsrError as e:  # pragma: no cover - spec_source writes valid syntax
        raise LsrDataError(f"row {k}: {e}") from None
