"""Constraints beyond IFEval: content, length, markdown, scoped for-each checks and
rule-checkable members of the IFEvalG / IFBench families.

Importing this module registers them; the definitions live in ``extra_*`` modules.
"""
from __future__ import annotations

from . import extra_content as _content  # noqa: F401
from . import extra_families as _families  # noqa: F401
from . import extra_structure as _structure  # noqa: F401
