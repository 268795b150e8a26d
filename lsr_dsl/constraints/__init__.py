"""Constraint library: the one registry and one module per family.

Importing this package registers every built-in constraint:

- :mod:`.ifeval`: IFEval's 25 instruction types, verdict for verdict;
- :mod:`.ifevalg` / :mod:`.ifbench`: rule-checkable members of open-instruct's IFEvalG and of IFBench;
- :mod:`.if_functions`: open-instruct's older RLVR verifier functions (``func_name`` ground truth);
- :mod:`.content`: phrases, regular expressions, JSON Schema;
- :mod:`.length`: characters, lines, blank-line paragraphs;
- :mod:`.markdown`: headings, fenced code blocks, tables, numbered lists;
- :mod:`.scopes`: for-each checks over paragraphs, bullets and sentences;
- :mod:`.general`: emojis, capitalised sentences, double spaces;
- :mod:`.soft`: model-judged constraints (``tone``, ``judge``).

Shared pieces: :mod:`.registry` (``@constraint``, ``Params``, ``Verdict``), :mod:`.params`
(parameter models used by several families) and :mod:`.wording` (how reasons are worded).
A new family is a new module here, imported below.
"""
from lsr_dsl.constraints.registry import REGISTRY, ConstraintDef, Params, Registry, Relation, Verdict, constraint

# Registration order is the catalogue's order of families.
from lsr_dsl.constraints import ifeval, content, ifbench, ifevalg, if_functions, general, length, markdown, scopes, soft  # noqa: F401,E402

__all__ = ["REGISTRY", "ConstraintDef", "Params", "Registry", "Relation", "Verdict", "constraint"]
