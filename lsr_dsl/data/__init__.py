"""Datasets in and out: importers that turn other suites' rows into lsr specs.

- :mod:`.ifeval`: IFEval rows (``instruction_id_list`` + ``kwargs``) and open-instruct's RLVR
  ground-truth forms, as lsr specs.
"""
