"""A fixed list of common English verbs, for telling whether a response starts with a verb.

IFBench asks NLTK's averaged-perceptron tagger, whose model cannot be installed here; this
list is lsr's deterministic stand-in (see ``starts_with_verb`` in the IFBench family).
Each base form also counts with its regular -s, -ed and -ing forms; irregular past forms
are listed.
"""
from __future__ import annotations

from functools import lru_cache
from typing import FrozenSet

_BASE = """
accept add admire advise agree allow analyse analyze answer apply arrange ask assess assume avoid bake
be become begin believe blend boil borrow break bring build buy calculate call carry catch change check
choose clean clear climb close collect combine come compare compile complete consider continue cook copy
count create cut decide define delete describe design determine develop discover discuss divide do draft
draw dream drink drive eat edit enjoy ensure enter establish estimate evaluate examine explain explore
express fill find finish fix focus follow forget form gather generate get give go grab grow guess handle
hang have hear help hide hold identify imagine implement improve include increase install introduce
investigate join jump keep kick know learn leave let lift limit list listen live look love make manage
map measure meet mention merge mix move name need note notice observe obtain offer open order organize
outline paint pay pick place plan plant play pour practice practise prepare present press prevent print
produce protect provide pull push put question read recall receive recognize recommend record reduce
reflect remember remove repeat replace report research respond rest return review rewrite run save say
search see select sell send serve set share show sing sit sketch skip sleep slice solve sort speak spend
stand start stay step stir stop study submit summarize summarise support suppose take talk taste teach
tell test thank think throw touch track train translate travel try turn type understand update use
verify visit wait wake walk want warm wash watch wear welcome win wish wonder work worry write
""".split()

_IRREGULAR = """
am is are was were been being did done does doing had has having went gone made took taken came saw seen
got gotten gave given found thought told said knew known felt left kept began begun brought bought built
caught chose chosen drew drawn drank drove driven ate eaten forgot forgotten grew grown heard held hid
hidden led lent lost met paid ran rang read rode rose sang sat slept sold sent shown spoke spoken spent
stood stole swam taught threw thrown understood woke woken wore worn won wrote written
""".split()


def _forms(base: str) -> FrozenSet[str]:
    stem = base[:-1] if base.endswith("e") else base
    s = base + ("es" if base.endswith(("s", "sh", "ch", "x", "z", "o")) else "s")
    if base.endswith("y") and base[-2:-1] not in "aeiou":
        s, ed = base[:-1] + "ies", base[:-1] + "ied"
    else:
        ed = stem + "ed"
    return frozenset((base, s, ed, stem + "ing"))


@lru_cache(maxsize=1)
def _verbs() -> FrozenSet[str]:
    out = set(_IRREGULAR)
    for b in _BASE:
        out |= _forms(b)
    return frozenset(out)


def is_common_verb(word: str) -> bool:
    """True when the lower-case ``word`` is a listed verb form."""
    return word in _verbs()
