"""The handlers' typed context: ``context.services`` is what every handler works with.

In the style of python-telegram-bot's ``contexttypesbot.py``: the application is built with
``ContextTypes(context=BotContext)``, so handlers reach the index in use, the settings and the
rate limit through a typed property, without ``cast``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from simbot.answer.answerer import MAX_QUOTES

if TYPE_CHECKING:
    from simbot.answer.answerer import Answer, Answerer
    from simbot.bot.rate_limit import PerUserRateLimit
    from simbot.bot.reload import IndexWatcher
    from simbot.index.provenance import Sources
    from simbot.settings import Settings

#: Where the application keeps ``BotServices`` in ``bot_data``.
SERVICES = "simbot"


@dataclass(frozen=True, slots=True)
class Edition:
    """One loaded index as the handlers use it: its answerer and its articles' file names."""

    answerer: Answerer
    #: The articles' file names, in index order (for passage links).
    names: tuple[str, ...]
    #: The index's words (names, acronyms): English enough for ``reads_as_foreign``.
    vocabulary: frozenset[str] = frozenset()

    @property
    def sources(self) -> Sources:
        """What is known of each article (publisher, date, headline, address), for citations."""
        return self.answerer.index.provenance

    @classmethod
    def of(cls, answerer: Answerer) -> Edition:
        """The edition of ``answerer``'s index."""
        names = tuple(d.name for d in answerer.documents)
        return cls(answerer, names, frozenset(answerer.index.terms))

    def answer(self, question: str) -> Answer:
        """Every quote the engine has for ``question`` (the first few are shown, More the rest)."""
        return self.answerer.answer(question, MAX_QUOTES)


class BotServices:
    """What the handlers work with: the index in use, the settings and the rate limit.

    Nothing here depends on earlier updates but the rate limit (per process, in memory) and
    the index, which changes only when a rebuilt one is swapped in.
    """

    __slots__ = ("_edition", "index", "rate_limit", "settings")

    def __init__(
        self, index: IndexWatcher, settings: Settings, rate_limit: PerUserRateLimit
    ) -> None:
        self.index = index
        self.settings = settings
        self.rate_limit = rate_limit
        self._edition = Edition.of(index.answerer)

    def edition(self) -> Edition:
        """The index in use now: take it once per update, and answer the whole update from it."""
        answerer = self.index.answerer
        if self._edition.answerer is not answerer:
            self._edition = Edition.of(answerer)
        return self._edition

    @property
    def answerer(self) -> Answerer:
        """The answerer in use now."""
        return self.edition().answerer


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """python-telegram-bot's ``CallbackContext``, with the bot's services as a typed property."""

    @property
    def services(self) -> BotServices:
        """The ``BotServices`` the application was built with."""
        return services_of(self.application)


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> BotServices:
    """The ``BotServices`` an application built by ``build_application`` carries."""
    found: BotServices = application.bot_data[SERVICES]
    return found
