"""Constraint library. Importing this package registers every built-in constraint."""
from .registry import REGISTRY, ConstraintDef, Params, Registry, Relation, Verdict, constraint

from . import ifeval_types as _ifeval_types  # noqa: F401  (registers IFEval's 25 types)
from . import extra as _extra  # noqa: F401  (registers constraints beyond IFEval)
from . import soft as _soft  # noqa: F401  (model-judged constraints)

__all__ = ["REGISTRY", "ConstraintDef", "Params", "Registry", "Relation", "Verdict", "constraint"]
