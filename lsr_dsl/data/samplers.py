"""Parameter samplers for ``lsr generate``: one per constraint that generation may use.

Each :class:`Sampler` draws one atom's source with valid, realistic parameters. ``group``
names what the atom pins down (the case of the letters, the length, how the response
starts …): a generated spec uses each group at most once, so two atoms never fight over
the same property (``lowercase`` with ``capital_words``, ``words <= 80`` with
``word_count_range(200, 300)``). Phrases and keywords are matched ignoring case so that
they never contradict a case constraint.

Conditions (:data:`CONDITIONS`) are facts that a response may or may not satisfy, so that
both branches of a generated IF can be taken.

Constraints left out on purpose (they fix the whole shape of the response and contradict
almost anything beside them): ``json_format``, ``json_schema``, ``quotation``,
``two_responses``, ``copy_text``, ``repeat_prompt``, ``constrained_response``,
``bigram_wrapping``, ``square_brackets``, ``all_words_unique``, ``uppercase``,
``start_end_same_word``, ``sentences_start_with``, ``no_consecutive_first_letter``,
``language``, ``nth_paragraph_first_word``, ``regex``/``not_regex``. A newly registered
constraint joins generation when a sampler is added here (rendering needs nothing: see
:mod:`lsr_dsl.data.render`).
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Callable, Tuple

__all__ = ["Sampler", "SAMPLERS", "CONDITIONS"]

Draw = Callable[[random.Random], str]


@dataclass(frozen=True)
class Sampler:
    name: str  #: the constraint's registry name
    group: str  #: the property it pins down (one atom per group in a spec)
    draw: Draw
    soft: bool = False
    also: Tuple[str, ...] = ()  #: other groups it rules out (sections' case-sensitive splitter: "case")

    @property
    def groups(self) -> Tuple[str, ...]:
        return (self.group,) + self.also


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


KEYWORDS = ("evidence", "history", "future", "community", "balance", "practical", "risk", "example", "cost", "quality",
            "simple", "trust", "growth", "design", "method", "result", "challenge", "benefit", "context", "impact")
FILLERS = ("very", "really", "basically", "actually", "literally", "just", "totally", "stuff", "things", "honestly")
OPENERS = ("Summary:", "In short,", "Here is my answer:", "Dear reader,", "Overview:", "To begin,", "Answer:", "Quick take:")
CLOSERS = ("Thanks for reading.", "Hope this helps.", "That is all.", "End of answer.", "Let me know your thoughts.", "Good luck!")
FIRST_WORDS = ("Honestly", "Today", "Imagine", "Consider", "Notably", "First", "Yes", "Well")
LAST_WORDS = ("forward", "together", "today", "ahead", "everyone", "home", "again")
MARKERS = ("P.S.", "P.P.S.", "Note:")
LETTERS = "bcdfgkmptw"
TONES = ("formal", "friendly", "enthusiastic", "neutral", "humble", "confident")
QUESTIONS = (
    "Does the response stay on the topic of the task?",
    "Does the response give at least one concrete example?",
    "Is the response polite throughout?",
    "Does the response avoid unsupported claims?",
)


def _rel_count(rng: random.Random, lo: int, hi: int, rels: Tuple[str, ...] = (">=", "<=")) -> Tuple[str, int]:
    return rng.choice(rels), rng.randint(lo, hi)


SAMPLERS: Tuple[Sampler, ...] = (
    Sampler("no_comma", "commas", lambda r: "no_comma"),
    Sampler("lowercase", "case", lambda r: "lowercase"),
    Sampler("capital_words", "case", lambda r: f"capital_words >= {r.randint(2, 5)}"),
    Sampler("capitalized_sentences", "case", lambda r: "capitalized_sentences"),
    Sampler("words", "length", lambda r: r.choice((f"words >= {r.choice((50, 80, 120, 150, 200))}", f"words <= {r.choice((60, 80, 100, 150, 200, 250))}"))),
    Sampler("word_count_range", "length", lambda r: (lambda lo: f"word_count_range({lo}, {lo + r.choice((30, 50, 80))})")(r.choice((40, 60, 100, 150)))),
    Sampler("sentences", "length", lambda r: r.choice((f"sentences <= {r.randint(3, 8)}", f"sentences >= {r.randint(3, 6)}"))),
    Sampler("chars", "length", lambda r: f"chars <= {r.choice((280, 500, 800, 1200))}"),
    Sampler("keywords", "keywords", lambda r: f"keywords([{', '.join(_q(k) for k in r.sample(KEYWORDS, r.randint(1, 3)))}])"),
    Sampler("keyword_frequency", "frequency", lambda r: f"keyword_frequency(keyword={_q(r.choice(KEYWORDS))}, relation=\"at least\", frequency={r.randint(2, 4)})"),
    Sampler("letter_frequency", "letter", lambda r: f"letter_frequency(letter={_q(r.choice(LETTERS))}, let_relation=\"at least\", let_frequency={r.randint(3, 10)})"),
    Sampler("forbidden_words", "forbidden", lambda r: f"forbidden_words([{', '.join(_q(k) for k in r.sample(FILLERS, r.randint(1, 3)))}])"),
    Sampler("excludes", "forbidden", lambda r: f"excludes({_q(r.choice(('as an AI', 'in conclusion', 'I think', 'to be honest')))}, case_sensitive=false)"),
    Sampler("contains", "phrase", lambda r: f"contains({_q(r.choice(('for example', 'on the other hand', 'in practice', 'the key point')))}, case_sensitive=false)"),
    Sampler("count", "phrase", lambda r: f"count({_q(r.choice(KEYWORDS))}, whole_word=true, case_sensitive=false) >= {r.randint(2, 3)}"),
    Sampler("placeholders", "placeholders", lambda r: f"placeholders(num_placeholders={r.randint(1, 3)})"),
    Sampler("bullets", "list", lambda r: f"bullets(num_bullets={r.randint(2, 5)})"),
    Sampler("numbered_list", "list", lambda r: f"numbered_list >= {r.randint(2, 5)}"),
    Sampler("each_bullet", "list", lambda r: f"each_bullet(max_words={r.choice((8, 10, 12, 15))})"),
    Sampler("highlights", "highlights", lambda r: f"highlights(num_highlights={r.randint(1, 3)})"),
    Sampler("sections", "structure", lambda r: f"sections(section_spliter={_q(r.choice(('Section', 'PART', 'Step')))}, num_sections={r.randint(2, 4)})", also=("case",)),
    Sampler("paragraphs", "structure", lambda r: f"paragraphs(num_paragraphs={r.randint(2, 4)})"),
    Sampler("blank_line_paragraphs", "structure", lambda r: f"blank_line_paragraphs == {r.randint(2, 4)}"),
    Sampler("headings", "headings", lambda r: f"headings >= {r.randint(1, 3)}"),
    Sampler("tables", "table", lambda r: "tables >= 1"),
    Sampler("title", "title", lambda r: "title"),
    Sampler("starts_with", "start", lambda r: f"starts_with({_q(r.choice(OPENERS))}, case_sensitive=false)"),
    Sampler("first_word", "start", lambda r: f"first_word({_q(r.choice(FIRST_WORDS))})"),
    Sampler("ends_with_text", "end", lambda r: f"ends_with_text({_q(r.choice(CLOSERS))}, case_sensitive=false)"),
    Sampler("last_word", "end", lambda r: f"last_word({_q(r.choice(LAST_WORDS))})"),
    Sampler("postscript", "end", lambda r: f"postscript(postscript_marker={_q(r.choice(MARKERS))})"),
    Sampler("each_sentence", "sentence_length", lambda r: f"each_sentence(max_words={r.choice((15, 20, 25, 30))})"),
    Sampler("each_paragraph", "sentence_length", lambda r: f"each_paragraph(max_sentences={r.randint(2, 4)})"),
    Sampler("emojis", "emoji", lambda r: "emojis == 0"),
    Sampler("no_double_spaces", "spacing", lambda r: "no_double_spaces"),
    Sampler("tone", "tone", lambda r: f"tone({_q(r.choice(TONES))})", soft=True),
    Sampler("judge", "judge", lambda r: f"judge({_q(r.choice(QUESTIONS))})", soft=True),
)

#: Conditions: facts a response may or may not have (both branches stay reachable).
CONDITIONS: Tuple[Sampler, ...] = (
    Sampler("contains", "phrase", lambda r: f"contains({_q(r.choice(('example', 'however', 'because', 'risk', 'data', 'history')))}, case_sensitive=false)"),
    Sampler("words", "length", lambda r: f"words >= {r.choice((100, 150, 200))}"),
    Sampler("headings", "headings", lambda r: "headings >= 1"),
    Sampler("numbered_list", "list", lambda r: f"numbered_list >= {r.randint(2, 3)}"),
    Sampler("count", "frequency", lambda r: 'count("I", whole_word=true) >= 2'),
    Sampler("tables", "table", lambda r: "tables >= 1"),
    Sampler("code_blocks", "code", lambda r: "code_blocks >= 1"),
)
