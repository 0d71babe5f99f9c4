"""The articles and their index: reading ``seeds/`` (corpus, provenance, article checks,
boilerplate, importing a new article), building the index, writing it atomically, and loading
it back with every file verified.

Built on ``simbot.text`` only: it must not import ``simbot.answer``, ``simbot.bot`` or
``simbot.cli``.
"""
