"""The Telegram bot: the python-telegram-bot ``Application``, its handlers, replies in
Telegram HTML, follow-ups, long polling and the webhook server, retries, the per-user rate
limit and the hot reload of a rebuilt index.

It asks ``simbot.answer`` for answers and never reaches into BM25 or vectors itself; it must
not import ``simbot.cli`` (the command line starts the bot, never the other way round).
"""
