"""English phrasings of the constraints (see :mod:`lsr_dsl.data.phrasing`)."""
from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Sequence, Tuple

P = Mapping[str, Any]
Phrase = Callable[[P], str]

_REL = {"<": "fewer than", "<=": "at most", ">": "more than", ">=": "at least", "==": "exactly", "!=": "a number other than"}
_REL_NONCOUNT = {"<": "under", "<=": "at most", ">": "over", ">=": "at least", "==": "exactly", "!=": "other than"}
_LANG = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
    "ru": "Russian", "ja": "Japanese", "ko": "Korean", "zh": "Chinese", "ar": "Arabic", "hi": "Hindi", "sv": "Swedish",
    "fi": "Finnish", "pl": "Polish", "tr": "Turkish", "bn": "Bengali", "sw": "Swahili", "th": "Thai", "vi": "Vietnamese",
    "fa": "Persian", "te": "Telugu", "ta": "Tamil", "mr": "Marathi", "gu": "Gujarati", "kn": "Kannada", "ur": "Urdu",
    "ne": "Nepali", "pa": "Punjabi", "bg": "Bulgarian",
}


def rel(p: P, key: str = "relation") -> str:
    """The relation's words for a count ("at least", "fewer than" …)."""
    r = p.get(key)
    return _REL.get(getattr(r, "value", r) or ">=", str(r))


_SMALL = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def n_of(n: int, noun: str, plural: str = "") -> str:
    """``"three bullet points"`` (numbers up to ten in words)."""
    n = int(n)
    return f"{_SMALL[n] if 0 <= n < len(_SMALL) else n} {noun if n == 1 else (plural or noun + 's')}"


def count(p: P, num: str, noun: str, plural: str = "", key: str = "relation") -> str:
    """``"at least 3 bullet points"``."""
    return f"{rel(p, key)} {n_of(int(p[num]), noun, plural)}"


def q(s: Any) -> str:
    return f'"{s}"'


def words_list(xs: Sequence[str]) -> str:
    xs = [q(x) for x in xs]
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1]


def lang(code: str) -> str:
    return _LANG.get(code, code)


def _is_upper_bound(p: P, key: str = "relation") -> bool:
    return getattr(p.get(key), "value", p.get(key)) in ("<", "<=")


def _bounds(p: P, unit: str) -> str:
    lo, hi = p.get(f"min_{unit}"), p.get(f"max_{unit}")
    if lo is not None and hi is not None:
        return f"between {lo} and {hi} {unit}"
    if hi is not None:
        return f"at most {n_of(hi, unit[:-1])}"
    return f"at least {n_of(lo, unit[:-1])}"


def _scoped(p: P) -> str:
    parts = [_bounds(p, u) for u in ("sentences", "words") if p.get(f"min_{u}") is not None or p.get(f"max_{u}") is not None]
    return " and ".join(parts)


#: Instruction phrasings (imperative verb phrases), per constraint name.
DO: Dict[str, Tuple[Phrase, ...]] = {
    "no_comma": (lambda p: "avoid commas entirely", lambda p: "do not use any commas", lambda p: "write without a single comma"),
    "lowercase": (lambda p: "write everything in lowercase letters", lambda p: "use only lowercase letters, with no capitals at all"),
    "uppercase": (lambda p: "write the whole answer in capital letters", lambda p: "use only uppercase letters throughout"),
    "capital_words": (lambda p: f"use {count(p, 'capital_frequency', 'word', key='capital_relation')} written entirely in capitals",
                      lambda p: f"include {count(p, 'capital_frequency', 'all-caps word', key='capital_relation')}"),
    "language": (lambda p: f"write the entire answer in {lang(p['language'])}", lambda p: f"respond only in {lang(p['language'])}"),
    "words": (lambda p: f"use {count(p, 'num_words', 'word')}",
              lambda p: f"{'keep the length to' if _is_upper_bound(p) else 'write'} {count(p, 'num_words', 'word')}"),
    "sentences": (lambda p: f"write {count(p, 'num_sentences', 'sentence')}", lambda p: f"use {count(p, 'num_sentences', 'sentence')}"),
    "paragraphs": (lambda p: f"write {count(p, 'num_paragraphs', 'paragraph')} separated by the markdown divider ***",
                   lambda p: f"split the answer into {count(p, 'num_paragraphs', 'paragraph')}, with *** between them"),
    "nth_paragraph_first_word": (lambda p: f"write exactly {n_of(p['num_paragraphs'], 'paragraph')} separated by blank lines, the paragraph number {p['nth_paragraph']} starting with the word {q(p['first_word'])}",),
    "keywords": (lambda p: f"include the keywords {words_list(p['keywords'])}", lambda p: f"mention {words_list(p['keywords'])}",
                 lambda p: f"make sure the words {words_list(p['keywords'])} appear"),
    "forbidden_words": (lambda p: f"do not use the words {words_list(p['forbidden_words'])}", lambda p: f"avoid the words {words_list(p['forbidden_words'])}"),
    "keyword_frequency": (lambda p: f"use the word {q(p['keyword'])} {rel(p)} {n_of(p['frequency'], 'time')}",
                          lambda p: f"mention {q(p['keyword'])} {rel(p)} {n_of(p['frequency'], 'time')}"),
    "letter_frequency": (lambda p: f"use the letter {q(p['letter'])} {rel(p, 'let_relation')} {n_of(p['let_frequency'], 'time')}",),
    "placeholders": (lambda p: f"include {count(p, 'num_placeholders', 'placeholder')} in square brackets, such as [address]",),
    "bullets": (lambda p: f"use {count(p, 'num_bullets', 'markdown bullet point')}", lambda p: f"give {count(p, 'num_bullets', 'bullet point')} (* or -)"),
    "highlights": (lambda p: f"highlight {count(p, 'num_highlights', 'section')} with markdown, like *this part*",),
    "sections": (lambda p: f"divide the answer into {count(p, 'num_sections', 'section')}, each starting with \"{p['section_spliter']} X\"",),
    "title": (lambda p: "give the answer a title wrapped in double angular brackets, such as <<my title>>", lambda p: "add a title in double angular brackets, like <<title>>"),
    "json_format": (lambda p: "format the entire output as JSON", lambda p: "answer in valid JSON only"),
    "postscript": (lambda p: f"add a postscript at the end starting with {q(p['postscript_marker'])}", lambda p: f"finish with a note that begins with {q(p['postscript_marker'])}"),
    "ends_with": (lambda p: f"end with the exact phrase {q(p['end_phrase'])}", lambda p: f"close with {q(p['end_phrase'])}, with nothing after it"),
    "quotation": (lambda p: "wrap the entire answer in double quotation marks",),
    "repeat_prompt": (lambda p: f"repeat the request {q(p['prompt_to_repeat'])} word for word before answering",),
    "two_responses": (lambda p: "give two different answers separated by six asterisks (******)",),
    "constrained_response": (lambda p: f"answer with one of the following options: {words_list(p['options'])}",),
    "starts_with": (lambda p: f"open with {q(p['phrase'])}", lambda p: f"start your answer with {q(p['phrase'])}", lambda p: f"begin with the words {q(p['phrase'])}"),
    "ends_with_text": (lambda p: f"end with {q(p['phrase'])}", lambda p: f"finish your answer with {q(p['phrase'])}"),
    "contains": (lambda p: f"mention {q(p['phrase'])}", lambda p: f"include the phrase {q(p['phrase'])}", lambda p: f"use the expression {q(p['phrase'])} somewhere"),
    "excludes": (lambda p: f"never write {q(p['phrase'])}", lambda p: f"do not include the phrase {q(p['phrase'])}"),
    "count": (lambda p: f"use {q(p['phrase'])} {rel(p)} {n_of(p['times'], 'time')}", lambda p: f"mention {q(p['phrase'])} {rel(p)} {n_of(p['times'], 'time')}"),
    "regex": (lambda p: f"include text matching the pattern /{p['pattern']}/" + (f" at least {p['min_matches']} times" if p.get("min_matches", 1) > 1 else ""),),
    "not_regex": (lambda p: f"include no text matching the pattern /{p['pattern']}/",),
    "json_schema": (lambda p: f"answer with JSON that follows this schema: {p['schema_']}",),
    "word_count_range": (lambda p: f"use between {p['min_words']} and {p['max_words']} words", lambda p: f"keep the length between {p['min_words']} and {p['max_words']} words"),
    "unique_words": (lambda p: f"use {count(p, 'n', 'distinct word')}",),
    "no_consecutive_first_letter": (lambda p: "never let two neighbouring words start with the same letter",),
    "all_words_unique": (lambda p: "use every word only once", lambda p: "never repeat a word"),
    "lowercase_words": (lambda p: f"use {count(p, 'n', 'word')} written entirely in lowercase",),
    "start_end_same_word": (lambda p: "start and end with the same word",),
    "first_word": (lambda p: f"make {q(p['word'])} your very first word", lambda p: f"begin with the word {q(p['word'])}"),
    "last_word": (lambda p: f"make {q(p['word'])} the last word", lambda p: f"end on the word {q(p['word'])}"),
    "sentences_start_with": (lambda p: f"begin every sentence with {q(p['word'])}",),
    "bigram_wrapping": (lambda p: "wrap every pair of consecutive words in double angular brackets, like <<I am>> <<at home>>",),
    "square_brackets": (lambda p: "put every word in square brackets, [like] [this]",),
    "copy_text": (lambda p: f"reply with exactly this text and nothing else: {q(p['text'])}",),
    "emojis": (lambda p: "do not use any emoji" if p["n"] == 0 and getattr(p["relation"], "value", p["relation"]) in ("==", "<=") else f"use {count(p, 'n', 'emoji', 'emoji')}",),
    "capitalized_sentences": (lambda p: "start every sentence with a capital letter",),
    "no_double_spaces": (lambda p: "never put two spaces in a row",),
    "chars": (lambda p: f"stay within {count(p, 'n', 'character')}" if getattr(p["relation"], "value", p["relation"]) in ("<", "<=") else f"write {count(p, 'n', 'character')}",),
    "lines": (lambda p: f"write {count(p, 'n', 'line')}", lambda p: f"use {count(p, 'n', 'non-empty line')}"),
    "blank_line_paragraphs": (lambda p: f"write {count(p, 'n', 'paragraph')} separated by blank lines", lambda p: f"organise the answer into {count(p, 'n', 'paragraph')}"),
    "headings": (lambda p: f"use {count(p, 'n', 'markdown heading')}" + (f" of level {p['level']}" if p.get("level") else ""),
                 lambda p: f"structure the answer with {count(p, 'n', 'heading')}" + (f" (level {p['level']})" if p.get("level") else "")),
    "code_blocks": (lambda p: f"include {count(p, 'n', 'fenced code block')}" + (f" in {p['language']}" if p.get("language") else ""),),
    "tables": (lambda p: f"include {count(p, 'n', 'markdown table')}", lambda p: f"present data in {count(p, 'n', 'table')}"),
    "numbered_list": (lambda p: f"give a numbered list of {count(p, 'n', 'item')}", lambda p: f"list {count(p, 'n', 'numbered point')}"),
    "each_paragraph": (lambda p: f"keep every paragraph to {_scoped(p)}",),
    "each_bullet": (lambda p: f"keep every list item to {_scoped(p)}",),
    "each_sentence": (lambda p: f"keep every sentence to {_scoped(p)}", lambda p: f"write sentences of {_scoped(p)} each"),
    "tone": (lambda p: f"use a {p['tone']} tone", lambda p: f"keep the tone {p['tone']}"),
    "judge": (lambda p: f"make sure of the following: {p['question']}",),
}

#: Condition phrasings (a fact about a text, read after "your answer" / "the request").
HOLDS: Dict[str, Tuple[Phrase, ...]] = {
    "no_comma": (lambda p: "contains no commas",),
    "lowercase": (lambda p: "is all in lowercase",),
    "uppercase": (lambda p: "is all in capital letters",),
    "language": (lambda p: f"is in {lang(p['language'])}",),
    "words": (lambda p: f"has {count(p, 'num_words', 'word')}", lambda p: f"runs to {count(p, 'num_words', 'word')}"),
    "sentences": (lambda p: f"has {count(p, 'num_sentences', 'sentence')}",),
    "keywords": (lambda p: f"mentions {words_list(p['keywords'])}",),
    "keyword_frequency": (lambda p: f"uses the word {q(p['keyword'])} {rel(p)} {n_of(p['frequency'], 'time')}",),
    "contains": (lambda p: f"mentions {q(p['phrase'])}", lambda p: f"contains the phrase {q(p['phrase'])}", lambda p: f"uses the word {q(p['phrase'])}"),
    "excludes": (lambda p: f"does not mention {q(p['phrase'])}",),
    "count": (lambda p: f"mentions {q(p['phrase'])} {rel(p)} {n_of(p['times'], 'time')}",),
    "starts_with": (lambda p: f"starts with {q(p['phrase'])}",),
    "ends_with_text": (lambda p: f"ends with {q(p['phrase'])}",),
    "first_word": (lambda p: f"begins with the word {q(p['word'])}",),
    "chars": (lambda p: f"is {_REL_NONCOUNT.get(getattr(p['relation'], 'value', p['relation']), '')} {n_of(p['n'], 'character')} long",),
    "lines": (lambda p: f"has {count(p, 'n', 'line')}",),
    "headings": (lambda p: f"has {count(p, 'n', 'heading')}",),
    "code_blocks": (lambda p: f"contains {count(p, 'n', 'code block')}",),
    "tables": (lambda p: f"contains {count(p, 'n', 'table')}",),
    "numbered_list": (lambda p: f"has {count(p, 'n', 'numbered item')}",),
    "bullets": (lambda p: f"has {count(p, 'num_bullets', 'bullet point')}",),
    "emojis": (lambda p: f"contains {count(p, 'n', 'emoji', 'emoji')}",),
    "regex": (lambda p: f"contains text matching /{p['pattern']}/",),
    "json_format": (lambda p: "is JSON",),
    "title": (lambda p: "has a title in double angular brackets",),
    "word_count_range": (lambda p: f"has between {p['min_words']} and {p['max_words']} words",),
    "tone": (lambda p: f"sounds {p['tone']}",),
    "judge": (lambda p: f"satisfies this: {p['question']}",),
}

#: The words that join phrasings. Each entry: alternatives chosen per seed.
GLUE: Dict[str, Tuple[str, ...]] = {
    # a whole instruction around a clause: "{x}."
    "sentence": ("{x}.", "Please {x}.", "When you answer, {x}.", "In your answer, {x}."),
    "and": (" and ",),
    "list_sep": (", ",),
    "first": ("first ",),
    "then": ("then ", "next, "),
    "finally": ("finally, ", "and finally "),
    # top-level sequence, as sentences
    "seq_sentence": ("First, {a}. Then {b}.", "First {a}, then {b}."),
    "seq3_sentence": ("First, {a}. Then {middle}. Finally, {z}.", "First {a}, then {middle}, and finally {z}.", "To start, {a}; next, {middle}; last, {z}."),
    "if": ("If {c}, {a}", "When {c}, {a}", "In case {c}, {a}"),
    "otherwise": ("; otherwise, {b}", "; if not, {b}", ". Otherwise, {b}"),
    "subject_response": ("your answer", "your response"),
    "subject_prompt": ("the request",),
}


def generic_do(summary: str, args: str) -> str:
    """An instruction from a constraint's summary ("The response contains no comma." →
    "make sure that your answer contains no comma") and its arguments."""
    s = summary.strip().rstrip(".")
    if s.startswith("The response "):
        s = "your answer " + s[len("The response "):]
    elif s:
        s = s[0].lower() + s[1:]
    else:
        s = "your answer satisfies the constraint"
    return f"make sure that {s}" + (f" ({args})" if args else "")


def generic_holds(summary: str, args: str) -> str:
    """A condition from a constraint's summary: "satisfies this: <summary> (<args>)"."""
    s = summary.strip().rstrip(".")
    s = s[0].lower() + s[1:] if s else "the constraint holds"
    return f"satisfies this: {s}" + (f" ({args})" if args else "")
