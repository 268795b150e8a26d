"""Source positions."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    """A range in a source file. Lines and columns are 1-based; ``end_column`` is exclusive."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int
    column: int
    end_line: int
    end_column: int
    file: Optional[str] = None

    def location(self) -> str:
        return f"{self.file or '<input>'}:{self.line}:{self.column}"

    def with_file(self, file: Optional[str]) -> "Span":
        return self.model_copy(update={"file": file})
