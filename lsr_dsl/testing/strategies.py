"""hypothesis strategies for specs and responses (hypothesis is a development dependency).

- :func:`specs` draws valid random specs over the registry: every atom starts from its
  catalogue example (valid arguments by construction), with its count, comparison and phrase
  varied; compositions nest AND, THEN and IF up to ``max_depth``; only specs the checker
  accepts without a warning are drawn (no contradictory bounds, no dead branches).
- :func:`responses` draws texts that satisfy, or violate, a spec of hard constraints (see
  :mod:`lsr_dsl.testing.builders`); asking for one that cannot be built raises
  :class:`~lsr_dsl.testing.builders.CannotBuild` at once, when the strategy is made.

Use them to fuzz a reward pipeline::

    from hypothesis import given
    from lsr_dsl.testing import responses, specs

    @given(src=specs(max_depth=2))
    def test_reward_in_unit_interval(src): ...
"""
from __future__ import annotations

import random
from typing import Any, Iterable, Optional, Sequence, Tuple, Union

from hypothesis import strategies as st

from lsr_dsl.api import compile as compile_source
from lsr_dsl.api import loads
from lsr_dsl.constraints.registry import REGISTRY
from lsr_dsl.language import ast
from lsr_dsl.language.errors import LsrError, closest
from lsr_dsl.language.formatter import format_expr
from lsr_dsl.testing.builders import VOCAB, CannotBuild, build_response
from lsr_dsl.verifier.program import Program

STRUCTURES = ("atom", "and", "then", "if")
#: Constraints whose first positional argument is a phrase that may be any plain word.
PHRASE_ATOMS = frozenset({"contains", "excludes", "starts_with", "ends_with_text", "count", "first_word", "last_word", "sentences_start_with"})
_OPS = ("<", "<=", ">", ">=", "==", "!=")


def _example_atom(name: str) -> ast.Atom:
    c = REGISTRY.get(name)
    module = loads(c.example)
    expr = module.specs[0].expr
    assert isinstance(expr, ast.Atom), c.example
    return expr


def _resolve(constraints: Optional[Iterable[str]], soft: bool) -> Tuple[str, ...]:
    if constraints is None:
        return tuple(c.name for c in REGISTRY.definitions() if soft or c.kind == "hard")
    names = []
    for n in constraints:
        c = REGISTRY.get(n)
        if c is None:
            guess = closest(n, REGISTRY.names())
            raise LsrError(f"unknown constraint '{n}'" + (f" (did you mean '{guess}'?)" if guess else ""))
        names.append(c.name)
    if not names:
        raise LsrError("constraints must name at least one constraint")
    return tuple(names)


@st.composite
def atoms(draw: Any, names: Sequence[str]) -> ast.Atom:
    """One atom over ``names``: a catalogue example with its count and phrase varied."""
    name = draw(st.sampled_from(sorted(names)))
    atom = _example_atom(name)
    c = REGISTRY.get(name)
    if atom.compare is not None:
        op = draw(st.sampled_from(_OPS))
        # counts are never negative: `< 0` could never hold and `>= 0` always would
        low = 1 if op in ("<", ">=") else 0
        value = draw(st.integers(low, 12)) if isinstance(atom.compare.value, int) else atom.compare.value
        atom = atom.model_copy(update={"compare": ast.Comparison(op=op, value=value)})
    elif c.count_param and any(a.name == c.count_param for a in atom.args):
        args = tuple(a.model_copy(update={"value": draw(st.integers(1, 8))}) if a.name == c.count_param else a for a in atom.args)
        atom = atom.model_copy(update={"args": args})
    if name in PHRASE_ATOMS and atom.args and atom.args[0].name is None and isinstance(atom.args[0].value, str):
        word = draw(st.sampled_from(VOCAB))
        word = word.capitalize() if draw(st.booleans()) else word
        atom = atom.model_copy(update={"args": (atom.args[0].model_copy(update={"value": word}),) + atom.args[1:]})
    return atom


def _group(node: Any) -> Any:
    return node if isinstance(node, ast.Atom) else ast.Group(expr=node)


@st.composite
def _expr(draw: Any, names: Sequence[str], depth: int, structures: Sequence[str]) -> Any:
    composite = [s for s in structures if s != "atom"]
    leaf_ok = "atom" in structures or depth <= 0
    if depth <= 0 or not composite or (leaf_ok and draw(st.integers(0, 3)) == 0):
        return draw(atoms(names))
    kind = draw(st.sampled_from(composite))
    sub = lambda: _group(draw(_expr(names, depth - 1, structures)))  # noqa: E731
    if kind == "and":
        return ast.And(children=tuple(sub() for _ in range(draw(st.integers(2, 3)))))
    if kind == "then":
        gamma = draw(st.one_of(st.none(), st.sampled_from([0.3, 0.5, 0.7, 0.9])))
        return ast.Then(children=tuple(sub() for _ in range(draw(st.integers(2, 3)))), gamma=gamma)
    condition = draw(atoms(names))
    then = sub()
    else_ = sub() if draw(st.booleans()) else None
    return ast.If(condition=condition, then=then, **({"else": else_} if else_ is not None else {}))


def _clean(source: str) -> bool:
    try:
        return not compile_source(source).warnings
    except LsrError:
        return False


def specs(
    max_depth: int = 2,
    constraints: Optional[Iterable[str]] = None,
    structures: Sequence[str] = STRUCTURES,
    *,
    soft: bool = False,
) -> "st.SearchStrategy[str]":
    """Valid random specs, as .lsr source of one expression.

    - ``max_depth``: how deep AND / THEN / IF may nest (0: single atoms);
    - ``constraints``: the constraint names to draw atoms from (default: every hard one, and
      the soft ones too with ``soft=True``);
    - ``structures``: which of ``atom``, ``and``, ``then``, ``if`` the root may be (a
      composite root's parts may be any of them, within ``max_depth``).

    Every drawn spec compiles without a warning.
    """
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0:
        raise LsrError(f"max_depth must be a non-negative integer, not {max_depth!r}")
    bad = [s for s in structures if s not in STRUCTURES]
    if bad or not structures:
        guess = closest(bad[0], STRUCTURES) if bad else None
        raise LsrError(f"structures must be some of {', '.join(STRUCTURES)}, not {list(structures)!r}" + (f" (did you mean '{guess}'?)" if guess else ""))
    names = _resolve(constraints, soft)
    if max_depth == 0 and "atom" not in structures:
        raise LsrError("max_depth=0 allows only single atoms: include 'atom' in structures")

    @st.composite
    def root(draw: Any) -> str:
        kind = draw(st.sampled_from(list(structures)))
        if kind == "atom" or max_depth == 0:
            node = draw(atoms(names))
        else:
            node = _root_of_kind(draw, names, kind, max_depth, structures)
        return format_expr(node)

    return root().filter(_clean)


def _root_of_kind(draw: Any, names: Sequence[str], kind: str, depth: int, structures: Sequence[str]) -> Any:
    inner = lambda: _group(draw(_expr(names, depth - 1, structures)))  # noqa: E731
    if kind == "and":
        return ast.And(children=tuple(inner() for _ in range(draw(st.integers(2, 3)))))
    if kind == "then":
        return ast.Then(children=tuple(inner() for _ in range(draw(st.integers(2, 3)))), gamma=draw(st.one_of(st.none(), st.sampled_from([0.5, 0.7]))))
    condition = draw(atoms(names))
    then = inner()
    else_ = inner() if draw(st.booleans()) else None
    return ast.If(condition=condition, then=then, **({"else": else_} if else_ is not None else {}))


def responses(spec: Union[str, Program], satisfying: bool = True, *, prompt: Optional[str] = None) -> "st.SearchStrategy[str]":
    """Texts that satisfy ``spec`` fully (score 1.0), or, with ``satisfying=False``, that do not.

    Each draw builds a text from a drawn seed and checks it with the compiled program; a
    draw whose seed leads nowhere gives the text built from seed 0, so every text drawn has
    the outcome asked for. Raises :class:`CannotBuild` here, at once, when not even that
    one can be built (soft constraints, atoms with no edit, contradictions).
    """
    if not isinstance(satisfying, bool):
        raise TypeError(f"satisfying must be True or False, not {type(satisfying).__name__}")
    program = spec if isinstance(spec, Program) else compile_source(spec)
    fallback = build_response(program, satisfying=satisfying, prompt=prompt, rng=random.Random(0))

    def build(seed: int) -> str:
        try:
            return build_response(program, satisfying=satisfying, prompt=prompt, rng=random.Random(seed))
        except CannotBuild:
            return fallback

    return st.integers(min_value=0, max_value=2**32 - 1).map(build)
