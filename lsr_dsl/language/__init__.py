"""The language: source text to typed AST and back.

- :mod:`.span`: source positions;
- :mod:`.errors`: diagnostics (file, line, column, caret, hint) and the error classes;
- :mod:`.ast`: typed, immutable AST nodes;
- :mod:`.parser`: the cached LALR parser over ``grammar/lsr.lark``, building AST nodes;
- :mod:`.formatter`: canonical source (``lsr fmt``);
- :mod:`.interchange`: the AST's JSON form and its JSON Schema.
"""
