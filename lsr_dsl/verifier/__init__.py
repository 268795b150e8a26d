"""The verify stage: verifier trees that score responses with LsRM.

- :mod:`.nodes`: the verifier nodes (atom, AND, THEN, IF) and their scoring;
- :mod:`.lowering`: checked IR → verifier nodes;
- :mod:`.program`: :class:`Program` (a compiled spec) and :class:`Result` (score and trace);
- :mod:`.trace`: a trace rendered as the tree ``lsr check`` prints.
"""
