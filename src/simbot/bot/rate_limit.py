"""A per-user rate limit: at most N questions in any window of W seconds.

Kept in memory, so each replica of the bot counts on its own; that is enough to stop one person
flooding the bot, which is all it is for (Telegram's own limits on what the bot sends are
python-telegram-bot's ``AIORateLimiter``'s job).
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable

#: Every this many checks, forget users quiet for a whole window, so the table stays small.
_SWEEP_EVERY = 1000


class Verdict(enum.Enum):
    """What to do with one request."""

    ALLOW = "allow"
    #: Over the limit, for the first time in this window: tell the person, once.
    REFUSE_AND_TELL = "refuse-and-tell"
    #: Over the limit and already told: stay quiet.
    REFUSE = "refuse"


class PerUserRateLimit:
    """Sliding-window counts of each user's requests; ``limit`` 0 allows everything."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._told: dict[int, float] = {}
        self._checks = 0

    def check(self, user_id: int) -> Verdict:
        """Counts one request of ``user_id`` if it is allowed, and says what to do with it."""
        if self.limit <= 0:
            return Verdict.ALLOW
        now = self._clock()
        self._checks += 1
        if self._checks % _SWEEP_EVERY == 0:
            self._sweep(now)
        times = self._seen.setdefault(user_id, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            return Verdict.ALLOW
        if self._told.get(user_id, float("-inf")) > now - self.window:
            return Verdict.REFUSE
        self._told[user_id] = now
        return Verdict.REFUSE_AND_TELL

    def retry_after(self, user_id: int) -> float:
        """Seconds until ``user_id`` may ask again (0 if they may now)."""
        times = self._seen.get(user_id)
        if not times or len(times) < self.limit:
            return 0.0
        return max(0.0, times[0] + self.window - self._clock())

    def _sweep(self, now: float) -> None:
        quiet = [
            user
            for user, times in self._seen.items()
            if not times or times[-1] <= now - self.window
        ]
        for user in quiet:
            del self._seen[user]
            self._told.pop(user, None)
