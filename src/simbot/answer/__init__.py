"""From a question to an answer: the question's concepts and answer kind, candidate paragraphs,
the learned ranker and the decline decision, verbatim cited quotes, and their rendering as text
or JSON.

Built on ``simbot.text`` and ``simbot.index``; it knows nothing of Telegram, so it must not
import ``simbot.bot`` or ``simbot.cli``.
"""
