"""Text analysis shared by every constraint: one lazily analysed :class:`Text` per response or prompt.

- :mod:`.analysis`: :class:`Text` (words, sentences, capitals, language, IFEval loose variants);
- :mod:`.sentences`: English Punkt sentences exactly as NLTK splits them;
- :mod:`.rule_sentences`: IFEval's rule-based ``split_into_sentences`` (IFEvalG's per-sentence checks);
- :mod:`.tokens`: NLTK's Treebank word tokens (``word_tokenize``) and the fast count of words in capitals;
- :mod:`.langid`: langdetect's answer (seed 0), reimplemented exactly and fast;
- :mod:`.markdown`: fenced code, headings, list items and tables;
- :mod:`.prose`: words, paragraphs, blocks and sentences of the prose outside fenced code.
"""
from lsr_dsl.text.analysis import Text
from lsr_dsl.text.tokens import capital_words_fast, treebank_tokenize

__all__ = ["Text", "capital_words_fast", "treebank_tokenize"]
