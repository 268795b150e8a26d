"""The ``lsr`` command line: one module per command group.

- :mod:`.main`: the parser of every command, ``main()`` and the console entry point;
- :mod:`.common`: exit codes, the argument parser class, output helpers;
- :mod:`.specs`: ``lsr compile``, ``lsr check``, ``lsr fmt``;
- :mod:`.catalogue`: ``lsr constraints``, ``lsr schema``;
- :mod:`.evaluate`: ``lsr import``, ``lsr eval``;
- :mod:`.demo`: ``lsr demo``.

``lsr train`` and ``lsr make-tiny-model`` come from :mod:`lsr_dsl.training.cli`.
A new command group is a module here with ``add_<name>_parser(sub)`` and a
``cmd_<name>(args)``, registered in :func:`lsr_dsl.cli.main.build_parser`.
"""
from lsr_dsl.cli.main import build_parser, entry, main

__all__ = ["build_parser", "entry", "main"]
