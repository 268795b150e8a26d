"""One way to name a judge, shared by the CLI (``--judge``), the training YAML and the API.

``make_judge(spec, **options)`` reads:

- ``PATH`` or ``causal:PATH``: a generative YES/NO judge (:class:`~lsr_dsl.judges.causal_lm.TransformersJudge`);
- ``classifier:PATH``: a sequence-classification reward model (:class:`~lsr_dsl.judges.classifier.ClassifierJudge`);
- ``http://HOST:PORT/v1`` (or ``https://…``), optionally ``…#MODEL``: an OpenAI-compatible server
  (:class:`~lsr_dsl.judges.http.OpenAIJudge`);
- ``entrypoint:NAME``: a callable registered under the ``lsr_dsl.judges`` entry-point group;
- ``py:MODULE:ATTR``: any importable callable (or judge class instance).

Options (``device``, ``dtype``, ``batch_size``, ``max_length``, ``timeout``, ``retries``, …) are
passed to the backend that takes them.
"""
from __future__ import annotations

import importlib
from typing import Any, Dict, List

from lsr_dsl.judges.function import CallableJudge
from lsr_dsl.language.errors import LsrRuntimeError, closest

ENTRY_POINT_GROUP = "lsr_dsl.judges"
KINDS = ("causal", "classifier", "http", "entrypoint", "py")


def _entry_points() -> Dict[str, Any]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _as_judge(obj: Any, name: str) -> Any:
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise LsrRuntimeError(f"judge {name!r} is a {type(obj).__name__}, not a callable judge(question, response)")
    if hasattr(obj, "judge_batch") or hasattr(obj, "judge_id"):
        return obj
    return CallableJudge(obj, name)


def _pick(options: Dict[str, Any], names: List[str]) -> Dict[str, Any]:
    return {k: v for k, v in options.items() if k in names and v is not None}


def make_judge(spec: str, **options: Any) -> Any:
    """The judge named by ``spec`` (see the module docstring); unknown kinds are a clear error."""
    if not isinstance(spec, str) or not spec.strip():
        raise LsrRuntimeError("a judge is named by a non-empty string (a model path, classifier:PATH, http://…, "
                              "entrypoint:NAME or py:MODULE:ATTR)")
    spec = spec.strip()
    if spec.startswith(("http://", "https://")):
        from lsr_dsl.judges.http import OpenAIJudge

        url, _, model = spec.partition("#")
        return OpenAIJudge(url, model=model or None, **_pick(options, ["timeout", "retries", "concurrency", "backoff", "template", "top_logprobs", "api_key"]))
    kind, sep, rest = spec.partition(":")
    if not sep or len(kind) == 1 or kind not in KINDS and "/" in kind or kind.startswith((".", "~")):
        kind, rest = "causal", spec  # a plain path or hub id (a Windows drive letter is not a kind)
    if kind not in KINDS:
        hint = closest(kind, KINDS)
        raise LsrRuntimeError(f"unknown judge kind {kind!r} in {spec!r}" + (f"; did you mean {hint!r}?" if hint else "")
                              + f" (kinds: {', '.join(KINDS)}, or an http:// URL)")
    if kind == "causal":
        from lsr_dsl.judges.causal_lm import TransformersJudge

        kw = _pick(options, ["device", "batch_size"])
        if options.get("dtype"):
            kw["model_kwargs"] = {"torch_dtype": options["dtype"]}
        if options.get("max_length"):
            kw["max_context_tokens"] = int(options["max_length"])
        return TransformersJudge(rest, **kw)
    if kind == "classifier":
        from lsr_dsl.judges.classifier import ClassifierJudge

        return ClassifierJudge(rest, **_pick(options, ["device", "dtype", "batch_size", "max_length"]))
    if kind == "entrypoint":
        eps = _entry_points()
        if rest not in eps:
            hint = closest(rest, list(eps))
            raise LsrRuntimeError(f"no judge named {rest!r} in the {ENTRY_POINT_GROUP!r} entry points"
                                  + (f"; did you mean {hint!r}?" if hint else f" (registered: {', '.join(sorted(eps)) or 'none'})"))
        try:
            obj = eps[rest].load()
        except Exception as e:
            raise LsrRuntimeError(f"judge entry point {rest!r} failed to load: {type(e).__name__}: {e}") from e
        return _as_judge(obj, rest)
    module, _, attr = rest.partition(":")
    if not module or not attr:
        raise LsrRuntimeError(f"py: judges are named py:MODULE:ATTR, not {spec!r}")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as e:
        raise LsrRuntimeError(f"judge {spec!r} could not be imported: {type(e).__name__}: {e}") from e
    return _as_judge(obj, f"{module}:{attr}")
