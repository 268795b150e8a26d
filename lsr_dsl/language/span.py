"""Source positions."""
from __future__ import annotations

import dataclasses
from typing import Optional


# A plain frozen dataclass rather than a pydantic model: the parser makes one per
# node, so it must be cheap; pydantic still validates it as a field of the AST
# nodes (extra keys rejected) and writes it to JSON.
@dataclasses.dataclass(frozen=True, slots=True)
class Span:
    """A range in a source file. Lines and columns are 1-based; ``end_column`` is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
    file: Optional[str] = None

    def location(self) -> str:
        return f"{self.file or '<input>'}:{self.line}:{self.column}"
