"""Reading words and sentences: the analyzer (tokens, folding, stems, aliases), spelling, the
paraphrase list, who is speaking in a news paragraph, the language of a message, the sentence
model (paragraph and question vectors) and the reading of distress.

The lowest layer: it knows nothing of the index, of answers or of Telegram, so it must not
import ``simbot.index``, ``simbot.answer``, ``simbot.bot`` or ``simbot.cli``.
"""
