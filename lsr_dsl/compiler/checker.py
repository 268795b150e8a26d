"""AST → checked IR, with every error in the file collected.

The checker resolves names (constraints from the one registry, ``let``
definitions), binds arguments to each constraint's typed parameter model,
lowers comparison sugar (``words >= 300``) to the constraint's relation and
count parameters, and validates settings and spec metadata. Unknown names and
bad arguments are errors, never a pass. It also warns about ANDs that can never
hold, branches that can never run and nesting beyond ``max_depth``.
"""
from __future__ import annotations

import enum
import functools
import math
import typing
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from pydantic import ValidationError

from lsr_dsl.language import ast
from lsr_dsl.constraints import REGISTRY, Registry
from lsr_dsl.constraints.registry import ConstraintDef, Relation
from lsr_dsl.language.errors import Diagnostic, LsrCheckError, closest
from lsr_dsl.language.formatter import format_expr
from lsr_dsl.compiler.ir import CheckedSpec, IAnd, IAtom, IForEach, IIf, INode, IScope, IThen, ichildren, retarget
from lsr_dsl.language.formatter import format_part
from lsr_dsl.text.parts import DEFAULT_ARGS, PART_KINDS, UNITS, PartSpec, compile_pattern
from lsr_dsl.language.span import Span

MODES = ("lsrm", "flat", "strict")
DEFAULT_GAMMA = 0.5
DEFAULT_MAX_DEPTH = 8

SETTINGS = {
    "gamma": "default decay of THEN chains, in [0, 1]",
    "mode": "aggregation: lsrm, flat or strict",
    "max_depth": "nesting depth above which the checker warns",
}
META_KEYS = {
    "id": "an identifier (string or integer)",
    "prompt": "the instruction text that comes with the spec",
    "description": "free text",
    "gamma": "default decay of THEN chains for this spec",
    "mode": "aggregation for this spec: lsrm, flat or strict",
    "tags": "a list of strings",
}
KEYWORDS = ("AND", "THEN", "IF", "ELSE")

#: Bounds on a spec after its definitions are inlined: they keep compilation and
#: scoring linear and far from Python's recursion limit, whatever the input.
MAX_ATOMS = 10_000
MAX_INLINED_DEPTH = 100
MAX_DEFINITION_CHAIN = 32


@dataclass
class CheckResult:
    specs: Dict[str, CheckedSpec]
    diagnostics: List[Diagnostic] = field(default_factory=list)

    @property
    def warnings(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]


class _Checker:
    def __init__(self, module: ast.Module, registry: Registry, source: Optional[str], max_depth: Optional[int]):
        self.module = module
        self.registry = registry
        self.source = source
        self.diags: List[Diagnostic] = []
        self.defs: Dict[str, ast.Definition] = {}
        self.bound_defs: Dict[str, Optional[INode]] = {}
        self.in_progress: List[str] = []
        self.used_defs: set = set()
        self.max_depth_override = max_depth
        #: id(node) -> (node, atoms after inlining, depth after inlining)
        self.shape: Dict[int, Tuple[INode, int, int]] = {}

    # -- reporting ---------------------------------------------------------
    def error(self, message: str, span: Optional[Span], hint: Optional[str] = None) -> None:
        self.diags.append(Diagnostic(message, span, hint, "error", source=self.source, file=self.module.file))

    def warn(self, message: str, span: Optional[Span], hint: Optional[str] = None) -> None:
        self.diags.append(Diagnostic(message, span, hint, "warning", source=self.source, file=self.module.file))

    # -- settings and metadata --------------------------------------------
    def check_gamma(self, value: Any, span: Optional[Span], what: str) -> Optional[float]:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(float(value)):
            self.error(f"{what} must be a number in [0, 1], not {value!r}", span, "for example: gamma = 0.5")
            return None
        if not 0.0 <= float(value) <= 1.0:
            self.error(f"{what} must be in [0, 1], not {value}", span,
                       "γ = 1 makes THEN an AND; γ = 0 lets a step count only while every earlier step passed fully")
            return None
        return float(value)

    def check_mode(self, value: Any, span: Optional[Span]) -> Optional[str]:
        if value not in MODES:
            guess = closest(str(value), MODES)
            self.error(
                f"unknown mode {value!r}; the modes are {', '.join(MODES)}",
                span,
                f"did you mean {guess!r}?" if guess else None,
            )
            return None
        return value

    def settings(self) -> Tuple[Optional[str], Optional[float], int]:
        mode = gamma = None
        max_depth = DEFAULT_MAX_DEPTH
        seen: Dict[str, ast.Setting] = {}
        for s in self.module.settings:
            if s.name in seen:
                self.error(f"setting '{s.name}' is set twice", s.span)
            seen[s.name] = s
            if s.name == "gamma":
                gamma = self.check_gamma(s.value, s.span, "gamma")
            elif s.name == "mode":
                mode = self.check_mode(s.value, s.span)
            elif s.name == "max_depth":
                if isinstance(s.value, bool) or not isinstance(s.value, int) or s.value < 1:
                    self.error(f"max_depth must be a positive integer, not {s.value!r}", s.span)
                else:
                    max_depth = s.value
            else:
                guess = closest(s.name, SETTINGS)
                self.error(
                    f"unknown setting '{s.name}'",
                    s.span,
                    f"did you mean '{guess}'?" if guess else "settings are: " + ", ".join(SETTINGS),
                )
        if self.max_depth_override is not None:
            max_depth = self.max_depth_override
        return mode, gamma, max_depth

    def spec_meta(self, spec: ast.Spec) -> Tuple[Optional[str], Optional[float]]:
        mode = gamma = None
        seen = set()
        for m in spec.meta:
            if m.key in seen:
                self.error(f"'{m.key}' is given twice in spec '{spec.name}'", m.span)
            seen.add(m.key)
            if m.key == "gamma":
                gamma = self.check_gamma(m.value, m.span, "gamma")
            elif m.key == "mode":
                mode = self.check_mode(m.value, m.span)
            elif m.key in ("prompt", "description"):
                if not isinstance(m.value, str):
                    self.error(f"'{m.key}' must be a string", m.span)
            elif m.key == "id":
                if isinstance(m.value, bool) or not isinstance(m.value, (str, int)):
                    self.error("'id' must be a string or an integer", m.span)
            elif m.key == "tags":
                if not isinstance(m.value, list) or not all(isinstance(t, str) for t in m.value):
                    self.error("'tags' must be a list of strings", m.span)
            else:
                guess = closest(m.key, META_KEYS)
                self.error(
                    f"unknown spec field '{m.key}'",
                    m.span,
                    f"did you mean '{guess}'?" if guess else "spec fields are: " + ", ".join(META_KEYS),
                )
        return mode, gamma

    def spec_examples(self, spec: ast.Spec) -> None:
        """Examples are never scored, but a bad one is an error here, not a surprise in ``lsr test``."""
        for ex in spec.examples:
            if ex.mode is not None:
                self.check_mode(ex.mode, ex.span)
            if ex.score is not None and not (0.0 <= ex.score <= 1.0):
                self.error(f"an example's score must be in [0, 1], not {ex.score:g}", ex.span, "scores run from 0.0 (nothing holds) to 1.0 (everything holds)")
            elif ex.score is not None and ex.expect == "pass" and ex.score != 1.0:
                self.error(
                    f"a passing example scores 1.0, but this one expects {ex.score:g}",
                    ex.span,
                    f"write: example fail … score {ex.score:g}",
                )
            elif ex.score is not None and ex.expect == "fail" and ex.score >= 1.0:
                self.error("a failing example scores below 1.0, but this one expects 1.0", ex.span, "write: example pass …")
            if ex.tolerance is not None and not (0.0 <= ex.tolerance < 1.0):
                self.error(f"an example's tolerance must be in [0, 1), not {ex.tolerance:g}", ex.span, "for example: tolerance 0.01")

    # -- names -------------------------------------------------------------
    def collect_definitions(self) -> None:
        for d in self.module.definitions:
            if d.name in self.defs:
                self.error(f"'{d.name}' is defined twice", d.span, f"the first definition is at line {self.defs[d.name].span.line}" if self.defs[d.name].span else None)
                continue
            if self.registry.get(d.name) is not None:
                self.error(f"definition '{d.name}' has the name of a constraint", d.span, "choose another name")
                continue
            if d.name in KEYWORDS:
                self.error(f"'{d.name}' is a keyword", d.span)
                continue
            if d.name in ("in", "for"):
                self.error(f"'{d.name}' starts a scope ({d.name} … {{ … }}), so a definition cannot be named so", d.span, "choose another name")
                continue
            self.defs[d.name] = d

    def resolve_definition(self, name: str, at: Optional[Span]) -> Optional[INode]:
        if name in self.bound_defs:
            return self.bound_defs[name]
        if name in self.in_progress:
            cycle = " → ".join(self.in_progress[self.in_progress.index(name):] + [name])
            self.error(f"definition '{name}' refers to itself: {cycle}", at, "a definition cannot use itself")
            return None
        if len(self.in_progress) >= MAX_DEFINITION_CHAIN:
            self.error(
                f"definitions refer to definitions more than {MAX_DEFINITION_CHAIN} levels deep",
                at,
                "inline some of them",
            )
            return None
        self.in_progress.append(name)
        try:
            node = self.bind(self.defs[name].expr)
        finally:
            self.in_progress.pop()
        self.bound_defs[name] = node
        return node

    # -- binding -----------------------------------------------------------
    def bind(self, node: Any) -> Optional[INode]:
        if isinstance(node, ast.Group):
            return self.bind(node.expr)
        if isinstance(node, ast.Atom):
            return self.bind_atom(node)
        if isinstance(node, (ast.And, ast.Then)):
            kids = [self.bind(c) for c in node.children]
            if any(k is None for k in kids):
                return None
            if isinstance(node, ast.And):
                return self.sized(IAnd(children=tuple(kids), span=node.span), kids)
            gamma = None
            if node.gamma is not None:
                gamma = self.check_gamma(node.gamma, node.span, "a THEN chain's gamma")
            return self.sized(IThen(children=tuple(kids), gamma=gamma, span=node.span), kids)
        if isinstance(node, ast.If):
            cond = self.bind(node.condition)
            then = self.bind(node.then)
            els = self.bind(node.else_) if node.else_ is not None else None
            if cond is None or then is None or (node.else_ is not None and els is None):
                return None
            shape = self.shape_of(cond)
            cond = retarget(cond, node.target)  # a copy, of the same shape
            if not isinstance(cond, IAtom):
                self.shape[id(cond)] = (cond,) + shape
            kids = [cond, then] + ([els] if els is not None else [])
            return self.sized(IIf(condition=cond, then=then, else_=els, target=node.target, span=node.span), kids)
        if isinstance(node, ast.Scope):
            part = self.bind_part(node.part)
            body = self.bind(node.body)
            if part is None or body is None:
                return None
            return self.sized(IScope(part=part, body=body, span=node.span), [body])
        if isinstance(node, ast.ForEach):
            unit_ok = self.check_unit(node)
            body = self.bind(node.body)
            if not unit_ok or body is None:
                return None
            return self.sized(IForEach(unit=node.unit, reduction=node.reduction or "mean", k=node.k, body=body, span=node.span), [body])
        raise TypeError(f"unexpected node {type(node).__name__}")

    def bind_part(self, part: ast.Part) -> Optional[PartSpec]:
        """A part selector with its arguments checked; None (with a positioned error) when malformed."""
        kind = PART_KINDS.get(part.name)
        if kind is None:
            guess = closest(part.name, PART_KINDS)
            self.error(
                f"unknown part '{part.name}'",
                part.span,
                f"did you mean '{guess}'?" if guess else "parts are: " + ", ".join(PART_KINDS),
            )
            return None
        usage = f"usage: in {kind.example} {{ … }}"
        if any(a.name is not None for a in part.args):
            self.error(f"the part '{part.name}' takes positional arguments only", part.span, usage)
            return None
        values = tuple(a.value for a in part.args)
        if not values and part.name in DEFAULT_ARGS:
            values = DEFAULT_ARGS[part.name]
        if len(values) != len(kind.args):
            n = len(kind.args)
            self.error(f"the part '{part.name}' takes {n} argument{'s' if n != 1 else ''}, not {len(values)}", part.span, usage)
            return None
        for value, wanted in zip(values, kind.args):
            if wanted is int and (isinstance(value, bool) or not isinstance(value, int)):
                self.error(f"the part '{part.name}' needs a whole number, not {value!r}", part.span, usage)
                return None
            if wanted is str and not isinstance(value, str):
                self.error(f"the part '{part.name}' needs a string, not {value!r}", part.span, usage)
                return None
        if part.name in UNITS and values[0] == 0:
            self.error(f"positions count from 1 (or from -1, the last): {part.name}(0) names nothing", part.span, f"the first is {part.name}(1)")
            return None
        if part.name in ("first_lines", "last_lines") and values[0] < 1:
            self.error(f"{part.name} needs at least 1 line, not {values[0]}", part.span, usage)
            return None
        if part.name == "match":
            try:
                compile_pattern(values[0])
            except Exception as e:  # regex.error: the user's malformed pattern
                self.error(f"bad regex in match(…): {e}", part.span, "escape special characters with a backslash: \\(")
                return None
        if any(isinstance(v, str) and not v for v in values):
            self.error(f"the part '{part.name}' needs a non-empty marker", part.span, usage)
            return None
        return PartSpec(kind=part.name, args=values, label=format_part(part))

    def check_unit(self, node: ast.ForEach) -> bool:
        if node.unit in UNITS:
            return True
        singular = node.unit[:-1] if node.unit.endswith("s") and node.unit[:-1] in UNITS else None
        guess = singular or closest(node.unit, UNITS)
        span = node.span
        if span is not None:  # the unit's name, after 'for each '
            line_text = (self.source or "").split("\n")[span.line - 1] if self.source else ""
            col = line_text.find(node.unit, span.column - 1) + 1 if line_text else 0
            if col > 0:
                span = Span(line=span.line, column=col, end_line=span.line, end_column=col + len(node.unit), file=span.file)
        self.error(
            f"unknown unit '{node.unit}' for 'for each'",
            span,
            f"did you mean '{guess}'?" if guess else "units are: " + ", ".join(UNITS),
        )
        return False

    def shape_of(self, node: INode) -> Tuple[int, int]:
        """(atoms, depth) of a bound node once definitions are inlined."""
        if isinstance(node, IAtom):
            return 1, 0
        return self.shape[id(node)][1:]

    def sized(self, node: INode, kids: Sequence[INode]) -> Optional[INode]:
        """Record a composite node's shape; None (with an error) when it is out of bounds."""
        atoms, depth = 0, 0
        for k in kids:
            a, d = self.shape_of(k)
            atoms += a
            depth = max(depth, d)
        depth += 1
        if atoms > MAX_ATOMS:
            if self.used_defs:
                self.error(
                    f"this expression expands to {atoms} constraints once definitions are inlined (at most {MAX_ATOMS})",
                    node.span,
                    "each use of a definition copies it; use it in fewer places",
                )
            else:
                self.error(f"this expression has {atoms} constraints (at most {MAX_ATOMS})", node.span, "split it into several specs")
            return None
        if depth > MAX_INLINED_DEPTH:
            self.error(f"this expression nests more than {MAX_INLINED_DEPTH} levels deep once definitions are inlined", node.span)
            return None
        self.shape[id(node)] = (node, atoms, depth)
        return node

    def bind_atom(self, atom: ast.Atom) -> Optional[INode]:
        name = atom.name
        if name in self.defs:
            if atom.called or atom.args or atom.compare is not None:
                self.error(f"'{name}' is a definition; it takes no arguments", atom.span)
                return None
            self.used_defs.add(name)
            return self.resolve_definition(name, atom.span)
        c = self.registry.get(name)
        if c is None:
            self.unknown_name(atom)
            return None
        return self.bind_params(atom, c)

    def unknown_name(self, atom: ast.Atom) -> None:
        name = atom.name
        if name.upper() in KEYWORDS:
            hint = f"keywords are written in capitals: {name.upper()}"
        else:
            guess = closest(name, list(self.registry.names()) + list(self.defs))
            if guess is None and ":" in name:
                guess = closest(name.split(":", 1)[1], list(self.registry.names()))
            hint = f"did you mean '{guess}'?" if guess else "run `lsr constraints` to list every constraint"
        span = atom.span
        if span is not None:
            span = Span(line=span.line, column=span.column, end_line=span.line, end_column=span.column + len(name), file=span.file)
        self.error(f"unknown constraint '{name}'", span, hint)

    def bind_params(self, atom: ast.Atom, c: ConstraintDef) -> Optional[IAtom]:
        fields = c.params.model_fields
        values: Dict[str, Any] = {}
        arg_spans: Dict[str, Optional[Span]] = {}
        ok = True
        usage = f"usage: {c.example}" if c.example else None
        positional_done = False
        pos_index = 0
        for a in atom.args:
            if a.name is None:
                if positional_done:
                    self.error("a positional argument cannot follow a keyword argument", a.span, usage)
                    ok = False
                    continue
                if pos_index >= len(c.positional):
                    n = len(c.positional)
                    self.error(
                        f"'{c.name}' takes {n if n else 'no'} positional argument{'s' if n != 1 else ''}",
                        a.span,
                        usage or ("name the parameter: " + ", ".join(fields)),
                    )
                    ok = False
                    continue
                key = c.positional[pos_index]
                pos_index += 1
            else:
                positional_done = True
                key = _accepted_names(c.params).get(a.name, a.name)  # an alias such as 'relation' → its field
                if key not in fields:
                    guess = closest(key, fields)
                    self.error(
                        f"'{c.name}' has no parameter '{key}'",
                        a.span,
                        f"did you mean '{guess}'?" if guess else ("its parameters are: " + ", ".join(fields) if fields else f"'{c.name}' takes no arguments"),
                    )
                    ok = False
                    continue
            if key in values:
                self.error(f"parameter '{key}' is given twice", a.span, usage)
                ok = False
                continue
            values[key] = a.value
            arg_spans[key] = a.span
        if atom.compare is not None:
            cp = c.count_param
            rp = c.relation_param
            if cp is None or rp is None:
                self.error(
                    f"'{c.name}' cannot be compared with {atom.compare.op}",
                    atom.compare.span,
                    usage or "comparisons work on counting constraints such as words, sentences, count(…)",
                )
                ok = False
            else:
                for key in (rp, cp):
                    if key in values:
                        self.error(f"'{key}' is given both as an argument and by the comparison", arg_spans.get(key) or atom.span)
                        ok = False
                values[rp] = atom.compare.op
                values[cp] = atom.compare.value
                arg_spans[rp] = arg_spans[cp] = atom.compare.span
        converted = _converted_fields(c.params)
        for key, value in values.items():
            if key in converted:
                continue  # the model converts this field's input itself (a "before" validator)
            problem = _literal_type_problem(fields.get(key), value)
            if problem:
                self.error(f"bad value for '{key}' of '{c.name}': {problem}", arg_spans.get(key) or atom.span, usage)
                ok = False
        if not ok:
            return None
        try:
            params = c.params.model_validate(values)
        except ValidationError as ve:
            for err in ve.errors():
                loc = err.get("loc") or ()
                key = str(loc[0]) if loc else None
                span = arg_spans.get(key) if key else None
                span = span or atom.span
                if err.get("type") == "missing":
                    msg = f"'{c.name}' needs the argument '{key}'"
                    if c.count_param == key:
                        hint = f"write it as a comparison, e.g. {c.name} >= 3, or {usage}" if usage else f"e.g. {c.name} >= 3"
                    else:
                        hint = usage
                else:
                    where = f"'{'.'.join(str(p) for p in loc)}'" if loc else "arguments"
                    msg = f"bad value for {where} of '{c.name}': {_clean_pydantic(err.get('msg', 'invalid'))}"
                    hint = usage
                self.error(msg, span, hint)
            return None
        except Exception as e:  # a validator that raised something else is still the user's bad input
            self.error(f"bad arguments for '{c.name}': {e}", atom.span, usage)
            return None
        return IAtom(constraint=c, params=params, label=format_expr(atom), span=atom.span)

    # -- lints -------------------------------------------------------------
    def lint(self, root: INode, max_depth: int, spec: ast.Spec) -> None:
        d = _idepth(root)
        if d > max_depth:
            self.warn(
                f"spec '{spec.name}' nests {d} levels deep (the limit is {max_depth})",
                spec.expr.span,
                "deep nesting makes rewards hard to learn; name parts with let, or raise the limit: set max_depth = …",
            )
        self._lint_node(root, ())

    def _lint_node(self, node: INode, conditions: Tuple[Tuple[Any, bool], ...]) -> None:
        if isinstance(node, IAnd):
            problem = _unsatisfiable(_conjuncts(node))
            if problem:
                self.warn(f"this AND can never be fully satisfied: {problem}", node.span, "one of the bounds is probably a typo")
        if isinstance(node, IIf):
            key = _cond_key(node.condition)
            cproblem = _unsatisfiable(_conjuncts(node.condition))
            if cproblem:
                self.warn(
                    f"the condition can never hold ({cproblem}), so the THEN branch is unreachable",
                    node.condition.span if hasattr(node.condition, "span") else node.span,
                )
            for outer_key, outer_holds in conditions:
                if outer_key == key:
                    dead = "ELSE" if outer_holds else "THEN"
                    if dead == "THEN" or node.else_ is not None:
                        self.warn(
                            f"this IF repeats an enclosing condition, so its {dead} branch is unreachable",
                            node.span,
                        )
            if not cproblem:  # else the condition's own AND would say the same thing again
                self._lint_node(node.condition, conditions)
            self._lint_node(node.then, conditions + ((key, True),))
            if node.else_ is not None:
                self._lint_node(node.else_, conditions + ((key, False),))
            return
        for k in ichildren(node):
            self._lint_node(k, conditions)

    # -- driver ------------------------------------------------------------
    def run(self) -> CheckResult:
        mode, gamma, max_depth = self.settings()
        self.collect_definitions()
        specs: Dict[str, CheckedSpec] = {}
        seen_specs: Dict[str, ast.Spec] = {}
        for spec in self.module.specs:
            if spec.name in seen_specs:
                self.error(f"spec '{spec.name}' is defined twice", spec.span)
                continue
            seen_specs[spec.name] = spec
            smode, sgamma = self.spec_meta(spec)
            self.spec_examples(spec)
            root = self.bind(spec.expr)
            if root is None:
                continue
            self.lint(root, max_depth, spec)
            specs[spec.name] = CheckedSpec(
                name=spec.name,
                root=root,
                meta=tuple((m.key, m.value) for m in spec.meta),
                span=spec.span,
                mode=smode or mode,
                gamma=sgamma if sgamma is not None else gamma,
            )
        # definitions never used still get checked, so their errors show
        for name, d in self.defs.items():
            if name not in self.bound_defs:
                self.resolve_definition(name, d.span)
                if self.module.specs:
                    self.warn(f"definition '{name}' is never used", d.span)
        return CheckResult(specs=specs, diagnostics=self.diags)


_KIND_WORDS = {"bool": "true or false", "int": "an integer", "float": "a number", "str": "a string", "list": "a list", "dict": "an object {…}"}


@functools.lru_cache(maxsize=None)
def _kinds(annotation: Any) -> Optional[frozenset]:
    kinds = _kinds_uncached(annotation)
    return frozenset(kinds) if kinds is not None else None


def _kinds_uncached(annotation: Any) -> Optional[set]:
    """The literal kinds a parameter type accepts (None: no opinion)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kinds_uncached(typing.get_args(annotation)[0])
    if origin is typing.Union or (origin is not None and getattr(origin, "__name__", "") == "UnionType"):
        out: set = set()
        for a in typing.get_args(annotation):
            k = _kinds_uncached(a)
            if k is None:
                return None
            out |= k
        return out
    if origin is typing.Literal:
        return {_kind_of(v) for v in typing.get_args(annotation)}
    if origin in (list, tuple, set, frozenset) or annotation in (list, tuple, set, frozenset):
        return {"list"}
    if origin is dict or annotation is dict:
        return {"dict"}
    if annotation is type(None):
        return {"null"}
    if annotation is bool:
        return {"bool"}
    if annotation is int:
        return {"int"}
    if annotation is float:
        return {"int", "float"}
    if annotation is str:
        return {"str"}
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return {"str"}
    return None


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return type(value).__name__


def _literal_type_problem(field: Any, value: Any) -> Optional[str]:
    """Why a literal has the wrong type for a parameter (no silent coercion: ``true`` is not 1,
    ``"300"`` is not 300, ``3.0`` is not an integer), or None."""
    if field is None:
        return None
    kinds = _kinds(field.annotation)
    if not kinds:
        return None
    kind = _kind_of(value)
    if kind in kinds:
        return None
    wanted = " or ".join(_KIND_WORDS.get(k, k) for k in sorted(kinds - {"null"}))
    shown = "true" if value is True else "false" if value is False else "null" if value is None else repr(value)
    return f"must be {wanted}, not {shown}"


@functools.lru_cache(maxsize=None)
def _converted_fields(params: type) -> frozenset:
    """Fields whose input a ``mode="before"``/``"wrap"``/``"plain"`` validator converts."""
    out = set()
    decorators = getattr(params, "__pydantic_decorators__", None)
    for dec in getattr(decorators, "field_validators", {}).values():
        if getattr(dec.info, "mode", "after") != "after":
            out.update(dec.info.fields)
    return frozenset(out)


@functools.lru_cache(maxsize=None)
def _accepted_names(params: type) -> Dict[str, str]:
    """Every keyword a parameter model accepts (field names and their aliases) → the field's name."""
    out: Dict[str, str] = {}
    for name, f in params.model_fields.items():
        out[name] = name
        if isinstance(f.alias, str):
            out[f.alias] = name
        va = f.validation_alias
        if isinstance(va, str):
            out[va] = name
        elif va is not None:
            for choice in getattr(va, "choices", ()):
                if isinstance(choice, str):
                    out[choice] = name
    return out


def _clean_pydantic(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix):]
    return msg


def _idepth(node: INode) -> int:
    kids = ichildren(node)
    return 0 if not kids else 1 + max(_idepth(k) for k in kids)


def _conjuncts(node: INode) -> List[IAtom]:
    """The atoms that must all hold for ``node`` to score 1 (through nested AND and THEN)."""
    if isinstance(node, IAtom):
        return [node]
    if isinstance(node, (IAnd, IThen)):
        out: List[IAtom] = []
        for c in node.children:
            out.extend(_conjuncts(c))
        return out
    return []


def _cond_key(node: INode) -> Any:
    if isinstance(node, IAtom):
        return ("atom", node.constraint.name, node.params.model_dump_json(), node.target)
    if isinstance(node, IAnd):
        return ("and",) + tuple(_cond_key(c) for c in node.children)
    if isinstance(node, IThen):
        return ("then", node.gamma) + tuple(_cond_key(c) for c in node.children)
    if isinstance(node, IIf):
        return ("if", _cond_key(node.condition), _cond_key(node.then), _cond_key(node.else_) if node.else_ else None)
    if isinstance(node, IScope):
        return ("scope", node.part.kind, repr(node.part.args), node.target, _cond_key(node.body))
    if isinstance(node, IForEach):
        return ("for_each", node.unit, node.reduction, node.k, node.target, _cond_key(node.body))
    return None


def _unsatisfiable(atoms: Sequence[IAtom]) -> Optional[str]:
    """A reason why counting bounds on the same quantity contradict, or None."""
    groups: Dict[Any, List[IAtom]] = {}
    for a in atoms:
        cp = a.constraint.count_param
        if cp is None:
            continue
        rp = a.constraint.relation_param
        val = getattr(a.params, cp, None)
        rel = getattr(a.params, rp, None) if rp else None
        if rel is None or not isinstance(val, (int, float)) or isinstance(val, bool):
            continue
        rest = tuple(sorted((k, repr(v)) for k, v in a.params.model_dump().items() if k not in (rp, cp)))
        groups.setdefault((a.constraint.name, rest, a.target), []).append(a)
    for (name, _, _), group in groups.items():
        lo, hi = 0.0, math.inf  # counts are never negative
        for a in group:
            rel = Relation(getattr(a.params, a.constraint.relation_param))
            v = float(getattr(a.params, a.constraint.count_param))
            if rel == Relation.GE:
                lo = max(lo, math.ceil(v))
            elif rel == Relation.GT:
                lo = max(lo, math.floor(v) + 1)
            elif rel == Relation.LE:
                hi = min(hi, math.floor(v))
            elif rel == Relation.LT:
                hi = min(hi, math.ceil(v) - 1)
            elif rel == Relation.EQ:
                if v != int(v):
                    return f"{a.label} asks for a fractional count"
                lo, hi = max(lo, v), min(hi, v)
        if lo > hi:
            labels = " and ".join(a.label for a in group)
            return f"{labels} leave no possible {name} count"
    return None


def check(
    module: ast.Module,
    *,
    registry: Registry = REGISTRY,
    source: Optional[str] = None,
    max_depth: Optional[int] = None,
) -> CheckResult:
    """Check a module. Raises :class:`LsrCheckError` with every error found; returns specs and warnings."""
    result = _Checker(module, registry, source, max_depth).run()
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if errors:
        errors.sort(key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0))
        raise LsrCheckError.from_diagnostics(errors + result.warnings)
    return result
