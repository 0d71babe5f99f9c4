"""How long polling is going, in a small file the bot keeps and ``simbot health`` reads.

In long polling the bot listens on no port, so a health check in another process cannot ask
it; and asking Telegram only shows that the token works, not that the bot gets its updates.
So the polling bot writes, after its getUpdates calls, how many failed in a row and when it
last heard from Telegram, to a file in the temporary folder named after the Bot API URL and
the bot's id (never the token), and removes it when it stops. The file says nothing about
users.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class PollingState:
    """What the polling bot last wrote."""

    #: The bot's process: a file left by a process that is gone says nothing.
    pid: int
    #: When a getUpdates call last finished (time.time()), well or not.
    updated: float
    #: getUpdates calls that failed in a row (0: the last one worked).
    failures: int = 0
    #: When that run of failures began.
    failing_since: float | None = None
    #: The last failure, in a few words (secrets taken out).
    last_error: str = ""

    def alive(self) -> bool:
        """Whether the process that wrote this still runs."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # runs, as another user
            return True
        except OSError:
            return False
        return True


def state_path(api_url: str, token: str) -> Path:
    """The file of the bot with this token polling this Bot API (the token is not in the name)."""
    bot_id = token.strip().partition(":")[0]
    key = hashlib.sha256(f"{api_url}\n{bot_id}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"simbot-polling-{key}.json"


def write_state(path: Path, state: PollingState) -> None:
    """Replaces the file at once (a reader never sees half of it); quietly does nothing if the
    folder is read-only: health then falls back to asking Telegram."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        temporary.write_text(json.dumps(asdict(state)), encoding="utf-8")
        temporary.replace(path)


def read_state(path: Path) -> PollingState | None:
    """What the file holds; None if there is none, or it is not one of ours."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PollingState(
            pid=int(data["pid"]),
            updated=float(data["updated"]),
            failures=int(data["failures"]),
            failing_since=None if data["failing_since"] is None else float(data["failing_since"]),
            last_error=str(data["last_error"])[:300],
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None


def remove_state(path: Path) -> None:
    """Removes the file (the bot stops polling)."""
    with contextlib.suppress(OSError):
        path.unlink()


def now() -> float:
    """The clock the file's times are on."""
    return time.time()


__all__ = ["PollingState", "now", "read_state", "remove_state", "state_path", "write_state"]
