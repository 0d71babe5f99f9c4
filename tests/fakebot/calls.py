"""What the fake records of each request, and the faults a test can make requests meet."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fakebot.errors import BotApiError, JSONDict


@dataclass
class RecordedCall:
    """One request the bot made, in arrival order.

    ``params`` are the parsed parameters (JSON values, whatever encoding the bot used).
    ``status`` is 0 and ``response`` None while the call is still being answered (a long
    poll), then the HTTP status and the JSON body the fake answered with.
    """

    index: int
    method: str
    params: JSONDict
    status: int = 0
    response: JSONDict | None = None
    injected: str | None = None
    """The injected error or fault that answered this call (``Fault.kind`` or ``"error"``)."""

    @property
    def done(self) -> bool:
        return self.response is not None

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call (e.g. the sent Message); None otherwise."""
        return self.response.get("result") if self.response else None

    @property
    def description(self) -> str | None:
        """The error description of a refused call, e.g. ``Bad Request: message is too long``."""
        return self.response.get("description") if self.response else None

    @property
    def method_key(self) -> str:
        return self.method.lower()


@dataclass
class _Injected:
    method: str
    error: BotApiError
    times: int | None
    chat_id: int | str | None


@dataclass(frozen=True)
class Fault:
    """A call that goes wrong before the Bot API proper answers it (see ``inject_fault``)."""

    kind: str
    """``status`` (answer with ``status``, ``body``), ``reset`` or ``slow``."""
    status: int = 0
    body: str = ""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """Telegram's own 5xx: a JSON error, e.g. 500 ``Internal Server Error``."""
        description = {500: "Internal Server Error", 502: "Bad Gateway"}.get(status, "Error")
        body = {"ok": False, "error_code": status, "description": description}
        return cls("status", status, json.dumps(body))

    @classmethod
    def bad_gateway_page(cls) -> Fault:
        """A 502 from a proxy in front of the Bot API: an HTML page, not JSON."""
        page = (
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>"
            "\r\n</body>\r\n</html>\r\n"
        )
        return cls("status", 502, page, "text/html")

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Fault:
        """A redirect elsewhere (the Bot API never redirects: a misconfigured proxy does)."""
        return cls("status", status, "", "text/html", (("Location", location),))

    @classmethod
    def connection_reset(cls) -> Fault:
        """The connection is reset (TCP RST) before any answer, the request not handled."""
        return cls("reset")

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """The call is handled as usual, its answer sent ``seconds`` later."""
        return cls("slow", seconds=seconds)


@dataclass
class _InjectedFault:
    method: str
    fault: Fault
    times: int | None
