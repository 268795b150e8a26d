"""The docs quote the grammar verbatim; keep them true to grammar/lsr.lark."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_language_reference_quotes_the_current_grammar():
    doc = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    grammar = (ROOT / "grammar" / "lsr.lark").read_text(encoding="utf-8").rstrip("\n")
    start = doc.index("```lark\n", doc.index("## 2. Grammar")) + len("```lark\n")
    end = doc.index("\n```", start)
    assert doc[start:end] == grammar, "docs/language.md §2 must quote grammar/lsr.lark verbatim"


def test_readme_opens_with_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
