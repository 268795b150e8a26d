"""Source text → AST.

One LALR parser, built once from ``grammar/lsr.lark`` (shipped inside the
package as ``lsr_dsl.grammar``) and cached. Syntax errors become
:class:`~lsr_dsl.language.errors.LsrSyntaxError` with file, line, column, the offending
line with a caret, and a hint.
"""
from __future__ import annotations

import functools
import threading
from importlib import resources
from typing import Any, List, Optional, Tuple

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from lsr_dsl.language import ast
from lsr_dsl.language.errors import Diagnostic, LsrSyntaxError, closest
from lsr_dsl.language.span import Span

KEYWORDS = ("AND", "THEN", "IF", "ELSE")
#: Lower-case words that start a scope (``in section(2) { … }``) or a ``for each``.
SCOPE_WORDS = ("in", "for", "each")

_READABLE = {
    "NAME": "a constraint name",
    "CALLEE": "a constraint name",
    "NUMBER": "a number",
    "STRING": "a string",
    "LONG_STRING": "a string",
    "CMP": "a comparison (>=, <, …)",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "COMMA": "','",
    "COLON": "':'",
    "EQUAL": "'='",
    "$END": "the end of the file",
    "AND": "AND",
    "THEN": "THEN",
    "IF": "IF",
    "ELSE": "ELSE",
    "PROMPT": "'prompt'",
    "RESPONSE": "'response'",
    "TRUE": "true",
    "FALSE": "false",
    "NULL": "null",
    "SET": "'set'",
    "LET": "'let'",
    "SPEC": "'spec'",
    "EXAMPLE": "'example'",
    "GAMMA": "'gamma'",
    "IN": "'in'",
    "FOR": "'for'",
    "EACH": "'each'",
}


@functools.lru_cache(maxsize=1)
def grammar_text() -> str:
    return resources.files("lsr_dsl.grammar").joinpath("lsr.lark").read_text(encoding="utf-8")


_comment_sink = threading.local()


def _on_comment(tok: Token) -> Token:
    sink = getattr(_comment_sink, "items", None)
    if sink is not None:
        sink.append((tok.line, str(tok).rstrip()))
    return tok


@functools.lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The cached LALR parser. It builds AST nodes while it parses (an inline
    transformer), so no intermediate parse tree is made."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=False,  # spans come from the tokens, see _Inline
        maybe_placeholders=False,
        cache=False,
        lexer_callbacks={"COMMENT": _on_comment},
        transformer=_Inline(),
    )


def parse_with_comments(source: str, *, file: Optional[str] = None) -> Tuple[ast.Module, List[Tuple[int, str]]]:
    """Like :func:`parse`, also returning the comments as ``(line, text)`` pairs (for ``lsr fmt``)."""
    _comment_sink.items = []
    try:
        module = parse(source, file=file)
        return module, list(_comment_sink.items)
    finally:
        _comment_sink.items = None


# ---------------------------------------------------------------------------
# string literals


class _StringError(Exception):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", "\n": ""}


def decode_string(raw: str) -> str:
    """Decode a quoted string literal (``"…"``, ``'…'`` or ``\"\"\"…\"\"\"``). No eval."""
    if raw.startswith('"""'):
        body, base = raw[3:-3], 3
    else:
        body, base = raw[1:-1], 1
    out: List[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= n:
            raise _StringError("a string cannot end with a lone backslash", base + i)
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u":
            digits = body[i + 2 : i + 6]
            if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise _StringError("\\u needs exactly four hex digits", base + i)
            out.append(chr(int(digits, 16)))
            i += 6
        else:
            raise _StringError(f"unknown escape '\\{nxt}' (use \\\\ for a backslash)", base + i)
    return "".join(out)


def parse_number(raw: str) -> Any:
    if "." in raw or "e" in raw or "E" in raw:
        return float(raw)
    return int(raw)


# ---------------------------------------------------------------------------
# tree → AST


def _span(meta: Any, file: Optional[str]) -> Optional[Span]:
    if getattr(meta, "empty", True):
        return None
    return Span(line=meta.line, column=meta.column, end_line=meta.end_line, end_column=meta.end_column, file=file)


def _tok_span(tok: Token, file: Optional[str]) -> Span:
    return Span(line=tok.line, column=tok.column, end_line=tok.end_line, end_column=tok.end_column, file=file)


class _Meta:
    """Position of a rule's text: from its first token to its last."""

    __slots__ = ("empty", "line", "column", "end_line", "end_column")

    def __init__(self, first: Optional[Token], last: Optional[Token]):
        self.empty = first is None
        if first is not None and last is not None:
            self.line, self.column = first.line, first.column
            self.end_line, self.end_column = last.end_line, last.end_column


_current_file = threading.local()


class _ToAst:
    """Builds AST nodes straight from grammar rules (one method per rule), keeping spans.

    Each method gets the rule's position (from its first to its last token) and its
    children, already built.
    """

    @property
    def file(self) -> Optional[str]:
        return getattr(_current_file, "name", None)


    # literals ------------------------------------------------------------
    def string(self, meta, items):
        tok = items[0]
        try:
            return decode_string(str(tok))
        except _StringError as e:  # re-raised with position by parse()
            raise _LiteralError(str(e), tok, e.offset) from None

    def number(self, meta, items):
        return parse_number(str(items[0]))

    def true(self, meta, items):
        return True

    def false(self, meta, items):
        return False

    def null(self, meta, items):
        return None

    def list(self, meta, items):
        return [i for i in items if not isinstance(i, Token)]

    def dict(self, meta, items):
        return {k: v for k, v in (i for i in items if not isinstance(i, Token))}

    def pair(self, meta, items):
        return (items[0], items[1])

    # atoms -----------------------------------------------------------------
    def positional_arg(self, meta, items):
        return ast.Arg(value=items[0], span=_span(meta, self.file))

    def keyword_arg(self, meta, items):
        return ast.Arg(name=str(items[0]), value=items[1], span=_span(meta, self.file))

    def call(self, meta, items):
        return ("call", tuple(i for i in items if not isinstance(i, Token)))

    def comparison(self, meta, items):
        op, num = items
        return ast.Comparison(op=str(op), value=parse_number(str(num)), span=_span(meta, self.file))

    def atom(self, meta, items):
        name = str(items[0])
        args: tuple = ()
        called = False
        compare = None
        for it in items[1:]:
            if isinstance(it, tuple) and it and it[0] == "call":
                args, called = it[1], True
            elif isinstance(it, ast.Comparison):
                compare = it
        return ast.Atom(name=name, args=args, called=called, compare=compare, span=_span(meta, self.file))

    def group(self, meta, items):
        return ast.Group(expr=items[1], span=_span(meta, self.file))

    # parts of the text -------------------------------------------------------
    def part(self, meta, items):
        args: tuple = ()
        called = False
        for it in items[1:]:
            if isinstance(it, tuple) and it and it[0] == "call":
                args, called = it[1], True
        return ast.Part(name=str(items[0]), args=args, called=called, span=_span(meta, self.file))

    def scope(self, meta, items):
        part, body = items[1], items[3]
        return ast.Scope(part=part, body=body, span=_span(meta, self.file))

    def foreach(self, meta, items):
        unit = str(items[2])
        reduction = k = None
        if isinstance(items[3], ast.Part):
            reduction, k = _reduction(items[3])
        return ast.ForEach(unit=unit, reduction=reduction, k=k, body=items[-2], span=_span(meta, self.file))

    # composition -----------------------------------------------------------
    def conj(self, meta, items):
        kids = tuple(i for i in items if not isinstance(i, Token))
        return ast.And(children=kids, span=_span(meta, self.file))

    def gamma(self, meta, items):
        return parse_number(str(items[-1]))

    def then_op(self, meta, items):
        g = None
        for it in items:
            if not isinstance(it, Token):
                g = float(it)
        return ("then_op", g, items[0])

    def seq(self, meta, items):
        kids = []
        gammas = []
        for it in items:
            if isinstance(it, tuple) and it and it[0] == "then_op":
                gammas.append((it[1], it[2]))
            else:
                kids.append(it)
        values = {g for g, _ in gammas}
        if len(values) > 1:
            # one chain, one decay: report at the first operator that disagrees
            first = gammas[0][0]
            for g, tok in gammas:
                if g != first:
                    raise _ChainGammaError(tok, first, g)
        gamma = gammas[0][0] if gammas else None
        return ast.Then(children=tuple(kids), gamma=gamma, span=_span(meta, self.file))

    def target(self, meta, items):
        return str(items[0])

    def cond(self, meta, items):
        parts = [i for i in items if not (isinstance(i, Token) and i.type in ("IF", "THEN", "ELSE"))]
        target = "response"
        explicit = False
        if isinstance(parts[0], str):
            target, explicit = parts[0], True
            parts = parts[1:]
        condition, then = parts[0], parts[1]
        else_ = parts[2] if len(parts) > 2 else None
        return ast.If(
            target=target,
            explicit_target=explicit,
            condition=condition,
            then=then,
            **({"else": else_} if else_ is not None else {}),
            span=_span(meta, self.file),
        )

    # file ------------------------------------------------------------------
    def setting(self, meta, items):
        return ast.Setting(name=str(items[1]), value=items[2], span=_span(meta, self.file))

    def definition(self, meta, items):
        return ast.Definition(name=str(items[1]), expr=items[2], span=_span(meta, self.file))

    def meta(self, meta, items):
        return ast.Meta(key=str(items[0]), value=items[1], span=_span(meta, self.file))

    def example_option(self, meta, items):
        return _ExampleOption(items[0], items[1], _span(meta, self.file))

    def example(self, meta, items):
        verdict_tok, response = items[1], items[2]
        verdict = str(verdict_tok)
        if verdict not in ast.EXAMPLE_VERDICTS:
            guess = closest(verdict, ast.EXAMPLE_VERDICTS)
            raise _ExampleError(
                f"an example must 'pass' or 'fail', not {verdict!r}",
                _tok_span(verdict_tok, self.file),
                f"did you mean '{guess}'?" if guess else 'write: example pass """…""" or example fail """…"""',
            )
        options: dict = {}
        for opt in items[3:]:
            key = str(opt.name)
            where = _tok_span(opt.name, self.file)
            if key not in ast.EXAMPLE_OPTIONS:
                guess = closest(key, ast.EXAMPLE_OPTIONS)
                raise _ExampleError(
                    f"unknown example option '{key}'",
                    where,
                    f"did you mean '{guess}'?" if guess else "example options are: " + ", ".join(ast.EXAMPLE_OPTIONS),
                )
            if key in options:
                raise _ExampleError(f"example option '{key}' is given twice", where, "give each option once")
            problem = _example_option_problem(key, opt.value)
            if problem:
                raise _ExampleError(f"example option '{key}' {problem}", opt.span, _EXAMPLE_OPTION_HINTS[key])
            options[key] = float(opt.value) if key in ("score", "tolerance") else opt.value
        return ast.Example(expect=verdict, response=response, span=_span(meta, self.file), **options)

    def spec(self, meta, items):
        name = str(items[1])  # items: SPEC NAME LBRACE meta* expr example* RBRACE
        body = items[3:-1]
        examples = tuple(i for i in body if isinstance(i, ast.Example))
        rest = [i for i in body if not isinstance(i, ast.Example)]
        return ast.Spec(name=name, meta=tuple(rest[:-1]), expr=rest[-1], examples=examples, span=_span(meta, self.file))

    def start(self, meta, items):
        settings = tuple(i for i in items if isinstance(i, ast.Setting))
        defs = tuple(i for i in items if isinstance(i, ast.Definition))
        specs = [i for i in items if isinstance(i, ast.Spec)]
        exprs = [i for i in items if isinstance(i, (ast.Atom, ast.And, ast.Then, ast.If, ast.Group, ast.Scope, ast.ForEach))]
        bare = False
        if exprs:
            e = exprs[0]
            specs.append(ast.Spec(name="main", expr=e, span=e.span))
            bare = True
        return ast.Module(
            file=self.file,
            settings=settings,
            definitions=defs,
            specs=tuple(specs),
            bare=bare,
            span=_span(meta, self.file),
        )


#: Deepest nesting of groups, operators, lists and dicts the parser accepts. Later
#: stages recurse over the tree; a bound here keeps every input far from Python's
#: recursion limit (the checker warns much earlier, at ``max_depth``).
MAX_NESTING = 100

_NESTING_RULES = frozenset({"group", "conj", "seq", "cond", "list", "dict", "call", "scope", "foreach"})


class _NestingError(Exception):
    def __init__(self, tok: Optional[Token]):
        super().__init__("nesting too deep")
        self.tok = tok


def _located(name: str, method: Any) -> Any:
    """Wrap a ``_ToAst`` method as a lark callback: children arrive as tokens or as
    ``(value, first_token, last_token, depth)`` tuples, and the result is such a tuple."""
    nests = 1 if name in _NESTING_RULES else 0

    def callback(self: "_Inline", children: List[Any]) -> Tuple[Any, Optional[Token], Optional[Token], int]:
        first = last = None
        depth = 0
        kids: List[Any] = []
        for c in children:
            if isinstance(c, Token):
                kids.append(c)
                if first is None:
                    first = c
                last = c
            else:
                value, f, l, d = c
                kids.append(value)
                if d > depth:
                    depth = d
                if f is not None:
                    if first is None:
                        first = f
                    last = l
        depth += nests
        if depth > MAX_NESTING:
            raise _NestingError(first)
        return method(self.builder, _Meta(first, last), kids), first, last, depth

    return callback


class _Inline:
    """The lark transformer: one callback per rule, each wrapping a ``_ToAst`` method."""

    def __init__(self) -> None:
        self.builder = _ToAst()


for _name, _method in list(vars(_ToAst).items()):
    if callable(_method) and not _name.startswith("_"):
        setattr(_Inline, _name, _located(_name, _method))


class _LiteralError(Exception):
    def __init__(self, message: str, tok: Token, offset: int):
        super().__init__(message)
        self.tok, self.offset = tok, offset


class _ExampleOption:
    """One ``NAME literal`` option of an example, before it is checked."""

    __slots__ = ("name", "value", "span")

    def __init__(self, name: Token, value: Any, span: Optional[Span]):
        self.name, self.value, self.span = name, value, span


_EXAMPLE_OPTION_HINTS = {
    "score": "for example: score 0.25",
    "tolerance": "for example: tolerance 0.01",
    "prompt": 'for example: prompt "Answer in French."',
    "mode": 'for example: mode "flat"',
}


def _example_option_problem(key: str, value: Any) -> Optional[str]:
    """Why an example option's literal has the wrong type, or None."""
    if key in ("score", "tolerance"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, not {value!r}"
    elif not isinstance(value, str):
        return f"must be a string, not {value!r}"
    return None


class _ExampleError(Exception):
    """A malformed example block, with the place and a hint."""

    def __init__(self, message: str, span: Optional[Span], hint: Optional[str]):
        super().__init__(message)
        self.span, self.hint = span, hint


def _reduction(part: ast.Part) -> Tuple[str, Optional[int]]:
    """A ``for each`` reduction (``all``, ``any``, ``mean``, ``at_least(k)``) and its k."""
    name = part.name
    if name not in ast.REDUCTIONS:
        guess = closest(name, ast.REDUCTIONS)
        raise _ExampleError(
            f"unknown reduction '{name}'",
            part.span,
            f"did you mean '{guess}'?" if guess else "reductions are: all, any, mean, fraction, at_least(k)",
        )
    if name == "at_least":
        values = [a.value for a in part.args]
        if len(values) != 1 or any(a.name is not None for a in part.args) or isinstance(values[0], bool) or not isinstance(values[0], int) or values[0] < 1:
            raise _ExampleError("at_least needs one positive whole number", part.span, "for example: for each row at_least(2) { … }")
        return name, values[0]
    if part.called or part.args:
        raise _ExampleError(f"the reduction '{name}' takes no arguments", part.span, f"write: for each item {name} {{ … }}")
    return name, None


class _ChainGammaError(Exception):
    def __init__(self, tok: Token, first: Optional[float], other: Optional[float]):
        super().__init__("mixed gamma in one THEN chain")
        self.tok, self.first, self.other = tok, first, other


# ---------------------------------------------------------------------------
# errors


def _readable(names: Any) -> str:
    seen: List[str] = []
    for n in sorted(names):
        if "END" in n.upper() and ("$" in n or "<" in n):
            n = "$END"
        r = _READABLE.get(n, n.lower() if n.isupper() else n)
        if r.startswith("__") or r.startswith("_"):
            continue
        if r not in seen:
            seen.append(r)
    if not seen:
        return "something else"
    if len(seen) == 1:
        return seen[0]
    return ", ".join(seen[:-1]) + " or " + seen[-1]


def _describe(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    v = str(tok)
    if tok.type in KEYWORDS:
        return f"keyword {v}"
    if len(v) > 30:
        v = v[:27] + "..."
    return f"{v!r}"


def _hint_for_token(tok: Token, expected: set, prev: Optional[Token], source: str = "") -> Optional[str]:
    v = str(tok)
    pv = str(prev) if prev is not None else ""
    if prev is not None and prev.type in ("NAME", "CALLEE") and pv.upper() in KEYWORDS and pv != pv.upper():
        return f"keywords are written in capitals: {pv.upper()}"
    if prev is not None and pv == "example" and "NAME" in expected:
        return 'say whether the response must pass or fail: example pass """…"""'
    if prev is not None and pv == "example":
        return "examples go inside a spec block, after its expression: spec s { no_comma  example pass \"…\" }"
    if prev is not None and prev.type == "NAME" and pv in ("pass", "fail") and tok.type not in ("STRING", "LONG_STRING"):
        return f'the response follows as a string: example {pv} """…"""'
    if prev is not None and prev.type == "NAME" and pv in ast.EXAMPLE_OPTIONS and tok.type in ("RBRACE", "EXAMPLE", "NAME", "$END"):
        return f"give the option a value: {_EXAMPLE_OPTION_HINTS[pv][len('for example: '):]}"
    if expected == {"EACH"}:
        return "write: for each row { … } (units: paragraph, section, list, item, row, line, sentence, quoted, fenced)"
    if "LBRACE" in expected and tok.type != "LBRACE" and prev is not None and prev.type in ("RPAR", "NAME", "CALLEE") and "AND" not in expected:
        return "the body goes in braces: in section(2) { words <= 250 }, for each row { contains(\"x\") }"
    if prev is not None and prev.type == "IN":
        return "name the part: in section(2) { … }, in heading(\"Poem\") { … }, in after(\"Answer:\") { … }"
    if prev is not None and prev.type == "EACH":
        return "name the unit: for each row { … } (paragraph, section, list, item, row, line, sentence, quoted, fenced)"
    if tok.type in ("NAME", "CALLEE") and v.upper() == "OR":
        return "lsr has no OR; use IF … THEN … ELSE … for alternatives"
    if tok.type in ("NAME", "CALLEE") and v.upper() == "NOT":
        return "lsr has no NOT; use a constraint that states the negation (excludes, forbidden_words, …)"
    if prev is not None and pv.upper() == "NOT" and prev.type in ("NAME", "CALLEE"):
        return "lsr has no NOT; use a constraint that states the negation (excludes, forbidden_words, …)"
    if prev is not None and pv == "set":
        return "settings come first in a file, before any let or spec"
    if tok.type == "ELSE" and "THEN" in expected and not expected & {"$END", "RPAR", "RBRACE"}:
        return "an IF needs THEN before ELSE: IF condition THEN a ELSE b"
    if "RSQB" in expected and "COMMA" not in expected and tok.type != "$END":
        return "close the decay with ]: THEN[gamma=0.7]"
    if prev is not None and prev.type == "NAME" and "EQUAL" in expected and tok.type in ("RPAR", "COMMA"):
        return f'strings need quotes: "{pv}"'
    if tok.type in KEYWORDS and prev is not None and prev.type in KEYWORDS and tok.type != "IF":
        return f"{prev} must be followed by an expression"
    if tok.type == "LPAR" and prev is not None and prev.type == "NAME" and prev.end_pos == tok.start_pos - 1:
        return f"arguments follow the name with no space: {prev}(…)"
    if prev is not None and str(prev) == "IF" and tok.type != "$END" and "THEN" not in expected:
        return "an IF inside AND, or inside an IF branch, needs parentheses: a AND (IF c THEN x ELSE y)"
    if tok.type == "NAME" and v.upper() in KEYWORDS and v != v.upper():
        return f"keywords are written in capitals: {v.upper()}"
    if tok.type == "ELSE":
        return "ELSE belongs to an IF; a sequence inside an IF branch needs parentheses: IF c THEN (a THEN b) ELSE d"
    if tok.type == "THEN" and "THEN" not in expected:
        return "a THEN chain inside an IF condition or branch, or inside AND, needs parentheses: (a THEN b)"
    if tok.type == "IF" and prev is not None and prev.type in ("AND",):
        return "an IF inside AND needs parentheses: a AND (IF c THEN x ELSE y)"
    if tok.type == "IF" and prev is not None and prev.type == "THEN":
        return "an IF inside an IF branch needs parentheses: IF a THEN (IF b THEN x ELSE y)"
    if tok.type == "EQUAL" or v == "=":
        after = source[tok.end_pos : tok.end_pos + 1] if source and tok.end_pos is not None else ""
        if after in (">", "<"):
            return f"did you mean '{after}='?"
        return "comparisons use ==, as in words == 100"
    if tok.type == "$END":
        if prev is not None and prev.type in ("AND", "THEN", "ELSE", "IF"):
            return f"{prev} must be followed by an expression"
        if "RPAR" in expected:
            return "a '(' is not closed"
        if "RBRACE" in expected:
            return "a spec block '{' is not closed"
    if "THEN" in expected and tok.type in ("NAME", "LPAR"):
        return "an IF needs THEN: IF condition THEN a ELSE b"
    if tok.type == "NAME" and prev is not None and prev.type in ("NAME", "RPAR", "NUMBER"):
        return "join constraints with AND or THEN"
    if tok.type == "NUMBER" and prev is not None and prev.type == "NAME":
        return "compare with an operator, as in words >= 300"
    return None


def _accepted(err: UnexpectedInput) -> set:
    """The terminals the parser would have accepted where the error happened."""
    ip = getattr(err, "interactive_parser", None)
    if ip is None:
        return set()
    try:
        return set(ip.accepts())
    except Exception:  # accepts() simulates the parser; the caller falls back to the LALR table's set
        return set()


def _syntax_diagnostic(err: UnexpectedInput, source: str, file: Optional[str], prev: Optional[Token]) -> Diagnostic:
    line = getattr(err, "line", None)
    col = getattr(err, "column", None)
    if isinstance(err, UnexpectedCharacters):
        ch = source[err.pos_in_stream] if 0 <= err.pos_in_stream < len(source) else ""
        hint = None
        if '"""' in source[max(0, err.pos_in_stream - 2) : err.pos_in_stream + 3]:
            hint = 'a """ string is not closed'
        elif ch in "\"'":
            hint = "a string is not closed on this line (use \"\"\"…\"\"\" for text over several lines)"
        elif ch == "&":
            hint = "use AND"
        elif ch == "|":
            hint = "lsr has no OR; use IF … THEN … ELSE … for alternatives"
        elif ch == "!":
            hint = "lsr has no NOT; use a constraint that states the negation (excludes, forbidden_words, …)"
        elif ch == "=":
            hint = "comparisons use =="
        span = Span(line=line, column=col, end_line=line, end_column=col + 1, file=file)
        return Diagnostic(f"unexpected character {ch!r}", span, hint, source=source)
    if isinstance(err, (UnexpectedToken, UnexpectedEOF)):
        tok = getattr(err, "token", None)
        if tok is None or (isinstance(err, UnexpectedEOF)):
            lines = source.splitlines() or [""]
            line, col = len(lines), len(lines[-1]) + 1
            tok = Token("$END", "", line=line, column=col, end_line=line, end_column=col)
        expected = set(getattr(err, "expected", None) or getattr(err, "accepts", None) or [])
        expected = getattr(err, "lsr_expected", None) or _accepted(err) or expected
        if tok.type == "$END":
            lines = source.splitlines() or [""]
            line, col = len(lines), max(len(lines[-1]), 1)
            end = col + 1
        else:
            line, col = tok.line, tok.column
            end = tok.end_column if tok.end_line == tok.line else col + 1
        span = Span(line=line, column=col, end_line=line, end_column=end, file=file)
        msg = f"unexpected {_describe(tok)}; expected {_readable(expected)}"
        return Diagnostic(msg, span, _hint_for_token(tok, expected, prev, source), source=source)
    span = Span(line=line or 1, column=col or 1, end_line=line or 1, end_column=(col or 1) + 1, file=file)
    return Diagnostic(str(err).splitlines()[0], span, None, source=source)


def _previous_token(source: str, line: int, column: int) -> Optional[Token]:
    """The token just before (line, column), re-lexed (used for hints only)."""
    try:
        lexer = lark_parser()
        toks = list(lexer.lex(source, dont_ignore=False))
    except Exception:
        return None
    prev = None
    for t in toks:
        if (t.line, t.column) >= (line, column):
            break
        prev = t
    return prev


def _literal_or_gamma_error(inner: Exception, source: str, file: Optional[str]) -> LsrSyntaxError:
    if isinstance(inner, _LiteralError):
        tok = inner.tok
        line, col = tok.line, tok.column
        # place the caret on the escape inside the literal
        prefix = str(tok)[: inner.offset]
        if "\n" in prefix:
            line += prefix.count("\n")
            col = len(prefix) - prefix.rfind("\n")
        else:
            col += inner.offset
        span = Span(line=line, column=col, end_line=line, end_column=col + 2, file=file)
        return LsrSyntaxError.from_diagnostics([Diagnostic(str(inner), span, None, source=source)])
    assert isinstance(inner, _ChainGammaError)
    tok = inner.tok
    span = Span(line=tok.line, column=tok.column, end_line=tok.line, end_column=tok.end_column, file=file)
    fmt = lambda g: "the default" if g is None else f"gamma={g:g}"  # noqa: E731
    d = Diagnostic(
        f"one THEN chain has one decay: this THEN has {fmt(inner.other)} but the chain started with {fmt(inner.first)}",
        span,
        "give every THEN of the chain the same [gamma=…], or parenthesise the part with another decay",
        source=source,
    )
    return LsrSyntaxError.from_diagnostics([d])


def parse(source: str, *, file: Optional[str] = None) -> ast.Module:
    """Parse .lsr source into a :class:`~lsr_dsl.language.ast.Module`.

    Raises :class:`LsrSyntaxError` listing every syntax error found (the parser
    resumes after an error where it can).
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be str, not {type(source).__name__}")
    if source.startswith("\ufeff"):  # a UTF-8 byte-order mark some editors write
        source = " " + source[1:]  # keeps every column where it was
    diagnostics: List[Diagnostic] = []
    errors: List[UnexpectedInput] = []

    def on_error(e: UnexpectedInput) -> bool:
        e.lsr_expected = _accepted(e)  # now: the parser moves on after this returns
        errors.append(e)
        return len(errors) < 10 and not isinstance(e, UnexpectedEOF)

    built: Any = None
    _current_file.name = file
    try:
        built = lark_parser().parse(source, on_error=on_error)
    except UnexpectedInput as e:
        if not errors or errors[-1] is not e:
            errors.append(e)
    except _ExampleError as inner:
        if not errors:
            raise LsrSyntaxError.from_diagnostics([Diagnostic(str(inner), inner.span, inner.hint, source=source)]) from None
    except (_LiteralError, _ChainGammaError) as inner:
        if not errors:
            raise _literal_or_gamma_error(inner, source, file) from None
    except _NestingError as inner:
        if not errors:
            tok = inner.tok
            line, col = (tok.line, tok.column) if tok is not None else (1, 1)
            span = Span(line=line, column=col, end_line=line, end_column=col + 1, file=file)
            raise LsrSyntaxError.from_diagnostics(
                [Diagnostic(f"the spec nests more than {MAX_NESTING} levels deep", span, "name parts with let, or flatten the parentheses", source=source)]
            ) from None
    except Exception as e:  # any other failure of the recovering parser after a first error
        if not errors:
            raise LsrSyntaxError(f"{file or '<input>'}: could not parse: {e}") from None
    finally:
        _current_file.name = None
    if errors:
        seen_lines = set()
        for e in errors:
            line = getattr(e, "line", None)
            if line in seen_lines and line not in (None, -1):
                continue
            seen_lines.add(line)
            prev = None
            col = getattr(e, "column", None)
            tok = getattr(e, "token", None)
            at_end = isinstance(e, UnexpectedEOF) or (tok is not None and tok.type == "$END")
            if at_end:
                prev = _previous_token(source, 10**9, 1)
            elif line not in (None, -1) and col not in (None, -1):
                prev = _previous_token(source, line, col)
            diagnostics.append(_syntax_diagnostic(e, source, file, prev))
        raise LsrSyntaxError.from_diagnostics(diagnostics)
    module = built[0]
    if not module.specs and not module.definitions and not module.settings:
        span = Span(line=1, column=1, end_line=1, end_column=2, file=file)
        raise LsrSyntaxError.from_diagnostics(
            [Diagnostic("the file holds no spec", span, "write an expression such as: no_comma AND words >= 100", source=source)]
        )
    return module
