"""``lsr eval``: score a JSONL file of rows (spec or IFEval instructions, plus a response) and report.

- :mod:`.runner`: rows in, per-row results and the :class:`Report` out (streaming, worker processes).
"""
from lsr_dsl.evaluation.runner import Report, evaluate_file, evaluate_rows, score_row

__all__ = ["Report", "evaluate_file", "evaluate_rows", "score_row"]
