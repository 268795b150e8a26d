"""The compile stage: AST to checked IR, and the passes over it.

- :mod:`.checker`: names, arguments, settings and limits resolved against the constraint registry;
  the output is the IR;
- :mod:`.ir`: the IR's typed nodes;
- :mod:`.passes`: pure IR→IR passes (``PASSES``);
- :mod:`.catalogue`: the constraint catalogue (``docs/constraints.md``), its examples checked.

Lowering the IR into verifier nodes is :mod:`lsr_dsl.verifier.lowering`.
"""
