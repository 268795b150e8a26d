"""A small bundled English corpus for training the tiny model's tokenizer offline.

Mixed case, commas, digits and a few chat-style lines so every kind of token a
spec talks about (uppercase letters, commas, numbers) exists in the vocabulary.
"""

SENTENCES = """\
the cat sat on the mat and looked at the door.
A quick brown fox jumps over the lazy dog, then runs away.
Write a short answer in lowercase letters only.
please answer in at most eight words.
Describe your day, but do not use any commas.
The weather is nice today, so we walk to the park.
i like green tea and long walks by the river.
Python code should be short, clear and easy to read.
Explain the idea in one sentence.
What is the capital of France? Paris is the capital.
we keep the answer small and simple.
Give three reasons why sleep matters: rest, health, mood.
The model writes text one token at a time.
Numbers like 1, 2, 3 and 42 show up in many answers.
Answer with yes or no.
She said hello, then she left the room quietly.
short replies are often the best replies.
Tell me a story about a robot who learns to paint.
The sun rises in the east and sets in the west.
Do not use capital letters in your response.
Summarize the text below in under twenty words.
Lists, tables and titles help readers scan a page.
my favourite food is rice with beans and soup.
IF you write code, keep it under fifty words.
Rules are checked by a verifier, not by a person.
good morning, how are you today?
The answer is simple: be brief and be kind.
JSON objects use braces, keys and values.
every word here is lowercase and plain.
Reply in English, using full sentences.
"""

CHAT_LINES = """\
<|user|>
write one short line about the sea.
<|assistant|>
the sea is calm and blue tonight.
<|user|>
Name a fruit, please.
<|assistant|>
an apple.
"""


def corpus_lines(repeat: int = 4) -> list:
    """The corpus as a list of lines (repeated so BPE merges are stable)."""
    lines = [l for l in (SENTENCES + CHAT_LINES).splitlines() if l.strip()]
    return lines * repeat
