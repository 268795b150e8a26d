"""Content constraints beyond IFEval: phrases, regular expressions, JSON Schema."""
from __future__ import annotations

import functools
import json
from typing import Any, Literal

import jsonschema
import jsonschema_specifications
import referencing
import referencing.jsonschema
import regex
from pydantic import Field, field_validator, model_validator

from lsr_dsl.language.errors import LsrRuntimeError
from lsr_dsl.text import Text
from lsr_dsl.text.scripts import strip_leading_punctuation, strip_trailing_punctuation
from lsr_dsl.constraints.wording import plural, quote
from lsr_dsl.constraints.registry import Params, Relation, Verdict, constraint

FAMILY_CONTENT = "content"


# -- phrase matching -----------------------------------------------------------

class _PhraseParams(Params):
    phrase: str = Field(description="The phrase to look for; it must contain a non-space character.")

    @field_validator("phrase")
    @classmethod
    def _non_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("phrase must not be empty or only whitespace: it must contain a non-space character")
        return v


class AnchorParams(_PhraseParams):
    case_sensitive: bool = Field(True, description="Compare letters case-sensitively.")
    strip: bool = Field(True, description="Ignore whitespace around the response and the phrase.")
    punctuation: bool = Field(
        True,
        description="Punctuation at the edge must match too (false: ignore punctuation in any script, Unicode "
        "category P*, at the end of the phrase and of the response, and, for starts_with, at the start of the response).",
    )


def _norm(s: str, case_sensitive: bool) -> str:
    return s if case_sensitive else s.casefold()


@constraint(
    "starts_with",
    params=AnchorParams,
    positional=("phrase",),
    family=FAMILY_CONTENT,
    summary="The response begins with the given phrase.",
    details="With `strip` (default) leading whitespace of the response and surrounding whitespace of the "
    "phrase are ignored. Comparison is exact unless `case_sensitive=false` (Unicode case folding). "
    "`punctuation=false` ignores punctuation in any script at the end of the phrase and at the start of the "
    "response: `starts_with(\"总之，\", punctuation=false)` holds for `「总之」…` and for `总之。…`, and "
    "`starts_with(\"Summary:\", punctuation=false)` for `**Summary** …` (`*` is punctuation).",
    example='starts_with("Dear team,")',
)
def starts_with(p: AnchorParams, t: Text) -> Verdict:
    text = t.text.lstrip() if p.strip else t.text
    phrase = p.phrase.strip() if p.strip else p.phrase
    if not p.punctuation:
        text, phrase = strip_leading_punctuation(text), strip_trailing_punctuation(phrase)
    if _norm(text, p.case_sensitive).startswith(_norm(phrase, p.case_sensitive)):
        return Verdict.ok(f"the response starts with {quote(phrase)}")
    got = text[: max(len(phrase), 1)]
    return Verdict.fail(f"the response starts with {quote(got)}, not {quote(phrase)}" if text else "the response is empty")


@constraint(
    "ends_with_text",
    params=AnchorParams,
    positional=("phrase",),
    family=FAMILY_CONTENT,
    summary="The response ends with the given phrase (nothing may follow it).",
    details="With `strip` (default) trailing whitespace of the response and surrounding whitespace of the "
    "phrase are ignored. Unlike IFEval's `end_checker`, case matters unless `case_sensitive=false`. "
    "`punctuation=false` ignores final punctuation in any script: `ends_with_text(\"生成文本\", punctuation=false)` "
    "holds for a response ending `生成文本。`.",
    example='ends_with_text("Any questions?")',
)
def ends_with_text(p: AnchorParams, t: Text) -> Verdict:
    text = t.text.rstrip() if p.strip else t.text
    phrase = p.phrase.strip() if p.strip else p.phrase
    if not p.punctuation:
        text, phrase = strip_trailing_punctuation(text), strip_trailing_punctuation(phrase)
    if _norm(text, p.case_sensitive).endswith(_norm(phrase, p.case_sensitive)):
        return Verdict.ok(f"the response ends with {quote(phrase)}")
    got = text[-max(len(phrase), 1):] if text else ""
    return Verdict.fail(f"the response ends with {quote(got)}, not {quote(phrase)}" if text else "the response is empty")


class MatchParams(_PhraseParams):
    whole_word: bool = Field(
        False, description="Match only where the phrase is not preceded or followed by a letter, digit or underscore."
    )
    case_sensitive: bool = Field(True, description="Match letters case-sensitively.")


@functools.lru_cache(maxsize=1024)
def _phrase_regex(phrase: str, whole_word: bool, case_sensitive: bool) -> "regex.Pattern[str]":
    body = regex.escape(phrase)
    if whole_word:
        body = r"(?<!\w)" + body + r"(?!\w)"
    return regex.compile(body, 0 if case_sensitive else regex.IGNORECASE | regex.FULLCASE)


def _occurrences(p: MatchParams, t: Text) -> list:
    key = ("extra", "occurrences", p.phrase, p.whole_word, p.case_sensitive)
    return t.memo(key, lambda tt: [m.start() for m in _phrase_regex(p.phrase, p.whole_word, p.case_sensitive).finditer(tt.text)])


def _how(p: MatchParams) -> str:
    bits = ["whole word" if p.whole_word else "substring", "case-sensitive" if p.case_sensitive else "ignoring case"]
    return ", ".join(bits)


@constraint(
    "contains",
    params=MatchParams,
    positional=("phrase",),
    family=FAMILY_CONTENT,
    summary="The response contains the phrase at least once.",
    details="A literal (not a regex) match. `whole_word=true` requires no letter, digit or underscore right "
    "before or after the match; `case_sensitive=false` uses Unicode case folding.",
    example='contains("climate", whole_word=true)',
)
def contains(p: MatchParams, t: Text) -> Verdict:
    occ = _occurrences(p, t)
    if occ:
        line, col = t.line_col(occ[0])
        return Verdict.ok(f"found {quote(p.phrase)} {plural(len(occ), 'time')}; the first at line {line}, column {col}")
    return Verdict.fail(f"{quote(p.phrase)} does not occur ({_how(p)})")


@constraint(
    "excludes",
    params=MatchParams,
    positional=("phrase",),
    family=FAMILY_CONTENT,
    summary="The response does not contain the phrase.",
    details="The negation of `contains` with the same options.",
    example='excludes("as an AI", case_sensitive=false)',
)
def excludes(p: MatchParams, t: Text) -> Verdict:
    occ = _occurrences(p, t)
    if not occ:
        return Verdict.ok(f"{quote(p.phrase)} does not occur")
    line, col = t.line_col(occ[0])
    return Verdict.fail(f"found {quote(p.phrase)} {plural(len(occ), 'time')}; the first at line {line}, column {col}")


class CountPhraseParams(MatchParams):
    relation: Relation = Field(Relation.GE, description="How the number of occurrences compares with `times`.")
    times: int = Field(1, ge=0, description="The number of occurrences to compare with.")


@constraint(
    "count",
    params=CountPhraseParams,
    positional=("phrase",),
    count_param="times",
    family=FAMILY_CONTENT,
    summary="The phrase occurs a number of times (non-overlapping), compared with `relation`.",
    details="`count(\"AI\") >= 3` means `count(phrase=\"AI\", relation=\">=\", times=3)`. Without a comparison "
    "the relation defaults to `>=` and `times` to 1. Matching options as in `contains`.",
    example='count("AI", whole_word=true) >= 3',
)
def count(p: CountPhraseParams, t: Text) -> Verdict:
    n = len(_occurrences(p, t))
    ok = p.relation.holds(n, p.times)
    return Verdict.of(ok, f"found {quote(p.phrase)} {plural(n, 'time')}; need {p.relation.words} {p.times}")


# -- regular expressions -------------------------------------------------------

_FLAG_BITS = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL, "x": regex.VERBOSE}
MAX_TIMEOUT_MS = 10_000


@functools.lru_cache(maxsize=512)
def _compile(pattern: str, flags: str) -> "regex.Pattern[str]":
    bits = 0
    for f in flags:
        bits |= _FLAG_BITS[f]
    return regex.compile(pattern, bits)


class _RegexBase(Params):
    pattern: str = Field(description="A regular expression (Python `regex` module syntax).")
    flags: str = Field("", description='Any of "i" (ignore case), "m" (multiline ^/$), "s" (dot matches newline), "x" (verbose).')
    timeout_ms: int = Field(
        100, ge=1, le=MAX_TIMEOUT_MS, description="Time limit for matching, in milliseconds; exceeding it fails the check."
    )

    @field_validator("flags")
    @classmethod
    def _flags(cls, v: str) -> str:
        bad = sorted(set(v) - set(_FLAG_BITS))
        if bad:
            raise ValueError(f"unknown regex flag(s) {''.join(bad)!r}; use any of 'imsx'")
        return "".join(sorted(set(v)))

    @model_validator(mode="after")
    def _pattern_compiles(self):
        if self.pattern == "":
            raise ValueError("pattern must not be empty")
        try:
            _compile(self.pattern, self.flags)
        except regex.error as e:
            raise ValueError(f"invalid regular expression {self.pattern!r}: {e}") from None
        except Exception as e:  # pragma: no cover - defensive (e.g. recursion in a huge pattern)
            raise ValueError(f"invalid regular expression {self.pattern!r}: {e}") from None
        return self


class RegexParams(_RegexBase):
    mode: Literal["search", "fullmatch"] = Field(
        "search",
        description="`search`: the pattern matches somewhere; `fullmatch`: it matches the whole response (surrounding whitespace ignored).",
    )
    min_matches: int = Field(1, ge=1, description="In `search` mode, the least number of non-overlapping matches.")

    @model_validator(mode="after")
    def _mode_matches(self):
        if self.mode == "fullmatch" and self.min_matches != 1:
            raise ValueError("min_matches only applies to mode='search'")
        return self


def _show(pattern: str) -> str:
    return "/" + (pattern if len(pattern) <= 40 else pattern[:39] + "…") + "/"


def _timed_out(p: _RegexBase) -> LsrRuntimeError:
    """A match that ran out of time: a verifier error (no verdict), never a silent pass or fail."""
    return LsrRuntimeError(
        f"matching {_show(p.pattern)} took longer than {p.timeout_ms} ms (timeout_ms); no verdict. "
        "Simplify the pattern (nested repetition such as (a+)+ backtracks exponentially) or raise timeout_ms"
    )


@constraint(
    "regex",
    params=RegexParams,
    positional=("pattern",),
    family=FAMILY_CONTENT,
    summary="The response matches a regular expression.",
    details="Uses the `regex` module with a per-check time limit (`timeout_ms`, default 100 ms) so a "
    "pathological pattern can never hang evaluation: a timeout is a verifier error (reported with the "
    "atom's label, scored 0, counted as an error by rewards), not a verdict. An invalid pattern is a "
    "compile-time error.",
    example='regex("\\\\d{4}-\\\\d{2}-\\\\d{2}", min_matches=2)',
)
def regex_check(p: RegexParams, t: Text) -> Verdict:
    pat = _compile(p.pattern, p.flags)
    timeout = p.timeout_ms / 1000.0
    try:
        if p.mode == "fullmatch":
            m = pat.fullmatch(t.text.strip(), timeout=timeout)
            if m:
                return Verdict.ok(f"the whole response matches {_show(p.pattern)}")
            return Verdict.fail(f"the whole response does not match {_show(p.pattern)}")
        found = []
        for m in pat.finditer(t.text, timeout=timeout):
            found.append(m)
            if len(found) >= p.min_matches:
                break
    except TimeoutError:
        raise _timed_out(p) from None
    except Exception as e:  # totality: never raise out of a check
        return Verdict.fail(f"matching {_show(p.pattern)} failed: {type(e).__name__}")
    if len(found) >= p.min_matches:
        line, col = t.line_col(found[0].start())
        return Verdict.ok(
            f"{_show(p.pattern)} matched {quote(found[0].group())} at line {line}, column {col}"
            + (f" ({len(found)} matches)" if p.min_matches > 1 else "")
        )
    if not found:
        return Verdict.fail(f"no match for {_show(p.pattern)}")
    return Verdict.fail(f"{_show(p.pattern)} matched {plural(len(found), 'time')}; need at least {p.min_matches}")


class NotRegexParams(_RegexBase):
    pass


@constraint(
    "not_regex",
    params=NotRegexParams,
    positional=("pattern",),
    family=FAMILY_CONTENT,
    summary="No part of the response matches a regular expression.",
    details="Time-limited like `regex`; a timeout is a verifier error, not a verdict (absence could not be shown).",
    example='not_regex("(?i)\\\\bI think\\\\b")',
)
def not_regex(p: NotRegexParams, t: Text) -> Verdict:
    pat = _compile(p.pattern, p.flags)
    try:
        m = pat.search(t.text, timeout=p.timeout_ms / 1000.0)
    except TimeoutError:
        raise _timed_out(p) from None
    except Exception as e:
        return Verdict.fail(f"matching {_show(p.pattern)} failed: {type(e).__name__}")
    if m is None:
        return Verdict.ok(f"no match for {_show(p.pattern)}")
    line, col = t.line_col(m.start())
    return Verdict.fail(f"{_show(p.pattern)} matched {quote(m.group())} at line {line}, column {col}")


# -- JSON Schema ---------------------------------------------------------------

class _NonStandardJSON(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity``: accepted by Python's ``json`` but not JSON."""


def _reject_constant(name: str) -> Any:
    raise _NonStandardJSON(f"{name} is not allowed in strict JSON")


def _strict_loads(s: str) -> Any:
    return json.loads(s, parse_constant=_reject_constant)


#: Where ``$ref`` may point: the schema itself plus the bundled JSON Schema meta-schemas. No retrieval
#: function, so nothing is ever downloaded (jsonschema's default registry would fetch remote URLs).
_LOCAL_REGISTRY: Any = referencing.Registry()

#: Keywords whose values are instance data, not subschemas (a "$ref" key inside them is not a reference).
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})
_REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")


def _unresolved_ref(schema: Any, cls: Any) -> Any:
    """The first ``$ref`` (or ``$dynamicRef``) of ``schema`` that does not resolve locally, else None.

    References are resolved as jsonschema will (``$id`` sets the base URI of its subschema) against the
    schema and the bundled meta-schemas only."""
    spec = referencing.jsonschema.specification_with(
        cls.ID_OF(cls.META_SCHEMA) or "", default=referencing.jsonschema.DRAFT202012
    )
    root = jsonschema_specifications.REGISTRY.combine(_LOCAL_REGISTRY).resolver_with_root(spec.create_resource(schema))
    stack = [(schema, root)]
    while stack:
        node, resolver = stack.pop()
        if isinstance(node, list):
            stack.extend((x, resolver) for x in node)
            continue
        if not isinstance(node, dict):
            continue
        try:
            if isinstance(spec.id_of(node), str):
                resolver = resolver.in_subresource(spec.create_resource(node))
        except Exception:
            pass  # a malformed $id: leave the base URI as it is
        for key in _REF_KEYWORDS:
            ref = node.get(key)
            if isinstance(ref, str):
                try:
                    resolver.lookup(ref)
                except Exception:  # referencing.exceptions.Unresolvable, or a malformed URI
                    return key, ref
        for key, value in node.items():
            if key not in _DATA_KEYWORDS and isinstance(value, (dict, list)):
                stack.append((value, resolver))
    return None


@functools.lru_cache(maxsize=256)
def _schema_validator(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, registry=_LOCAL_REGISTRY)


_FENCED_JSON_RE = regex.compile(r"\A```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\r?\n(.*?)\r?\n?```\Z", regex.DOTALL)


class JsonSchemaParams(Params):
    schema_: str = Field(
        alias="schema",
        description="A JSON Schema, as an object literal or a JSON string; checked with `check_schema` at compile "
        "time, and every `$ref` must resolve within the schema (or to a bundled JSON Schema meta-schema).",
    )
    allow_fence: bool = Field(True, description="Accept the JSON wrapped in one ``` or ```json code fence.")

    model_config = Params.model_config | {"populate_by_name": True}

    @field_validator("schema_", mode="before")
    @classmethod
    def _to_json(cls, v: Any) -> Any:
        if isinstance(v, (dict, bool)):
            return json.dumps(v, sort_keys=True)
        return v

    @field_validator("schema_")
    @classmethod
    def _valid_schema(cls, v: str) -> str:
        try:
            schema = _strict_loads(v)
        except ValueError as e:
            raise ValueError(f"schema is not valid JSON: {e}") from None
        except RecursionError:
            raise ValueError("schema is nested too deeply") from None
        if not isinstance(schema, (dict, bool)):
            raise ValueError("a JSON Schema must be an object or a boolean")
        cls_ = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        try:
            cls_.check_schema(schema)
        except jsonschema.SchemaError as e:
            raise ValueError(f"invalid JSON Schema: {e.message}") from None
        except RecursionError:
            raise ValueError("schema is nested too deeply") from None
        try:
            bad = _unresolved_ref(schema, cls_)
        except RecursionError:
            raise ValueError("schema is nested too deeply") from None
        if bad is not None:
            key, ref = bad
            where = "within the schema" if ref.startswith("#") else "locally: only references within the schema (or to a JSON Schema meta-schema) are allowed, nothing is downloaded"
            raise ValueError(f"{key} {ref!r} does not resolve {where}")
        return json.dumps(schema, sort_keys=True)


def _json_path(path) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


@constraint(
    "json_schema",
    params=JsonSchemaParams,
    positional=("schema",),
    family=FAMILY_CONTENT,
    summary="The response is JSON that conforms to a JSON Schema.",
    details="Surrounding whitespace is ignored; with `allow_fence` (default) the JSON may be wrapped in a single "
    "``` / ```json fence. The JSON must be strict (RFC 8259): `NaN`, `Infinity` and `-Infinity` are not JSON "
    "and fail. The schema's `$schema` picks the draft (default 2020-12). Every `$ref` must resolve within "
    "the schema (`#/$defs/…`, anchors, `$id`-relative) or to a bundled meta-schema; anything else, remote "
    "URLs included, is a compile-time error (nothing is ever downloaded). Failing reasons name the JSON "
    "path of the first violation.",
    example='json_schema({"type": "object", "required": ["answer"]})',
)
def json_schema(p: JsonSchemaParams, t: Text) -> Verdict:
    body = t.text.strip()
    if p.allow_fence:
        m = _FENCED_JSON_RE.match(body)
        if m and m.group(1).lower() in ("", "json", "jsonc", "json5"):
            body = m.group(2).strip()
    if not body:
        return Verdict.fail("the response is empty, not JSON")
    try:
        doc = _strict_loads(body)
    except _NonStandardJSON as e:
        return Verdict.fail(f"not valid JSON: {e}")
    except json.JSONDecodeError as e:
        return Verdict.fail(f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}")
    except (ValueError, RecursionError) as e:
        return Verdict.fail(f"not valid JSON: {type(e).__name__}")
    try:
        validator = _schema_validator(p.schema_)
        err = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    except RecursionError:
        return Verdict.fail("the JSON is nested too deeply to validate")
    except Exception as e:
        return Verdict.fail(f"schema validation failed: {type(e).__name__}")
    if err is None:
        return Verdict.ok("the JSON conforms to the schema")
    msg = err.message if len(err.message) <= 120 else err.message[:119] + "…"
    return Verdict.fail(f"at {_json_path(err.absolute_path)}: {msg}")


class InOrderParams(Params):
    markers: list[str] = Field(description="The markers (headings, labels such as 'Outline:'), in the order they must appear.")
    case_sensitive: bool = Field(True, description="Match letters case-sensitively.")

    @field_validator("markers")
    @classmethod
    def _markers(cls, v: list[str]) -> list[str]:
        if len(v) < 2:
            raise ValueError("give at least two markers: in_order([\"Outline:\", \"Poem:\"])")
        if any(not m.strip() for m in v):
            raise ValueError("a marker must contain a non-space character")
        return v


@constraint(
    "in_order",
    params=InOrderParams,
    positional=("markers",),
    family=FAMILY_CONTENT,
    summary="The markers appear in the response in the given order.",
    details="Each marker is looked for after the one before it (its first occurrence there); it holds when "
    "every marker is found so, and the reason says how many were. With `in <part> { … }` scopes it checks that the parts come in "
    "order: `in_order([\"# Outline\", \"# Poem\"]) AND in heading(\"Poem\") { … }`.",
    example='in_order(["Outline:", "Poem:"])',
)
def in_order(p: InOrderParams, t: Text) -> Verdict:
    text = _norm(t.text, p.case_sensitive)
    at = 0
    for k, marker in enumerate(p.markers):
        i = text.find(_norm(marker, p.case_sensitive), at)
        if i < 0:
            where = "at all" if text.find(_norm(marker, p.case_sensitive)) < 0 else f"after {quote(p.markers[k - 1])}"
            return Verdict.fail(f"{k} of {len(p.markers)} markers in order; {quote(marker)} does not occur {where}")
        at = i + len(marker)
    return Verdict.ok(f"all {len(p.markers)} markers appear in order")
