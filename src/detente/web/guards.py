"""ASGI guards in front of the app: loopback Host names only (DNS rebinding), bounded request bodies.

A page on another site can point its own name at 127.0.0.1 (DNS rebinding) and then call this API
from the user's browser; the browser still sends that foreign name in the Host header, so any name
that is not loopback (or explicitly allowed) is refused before the app sees the request.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
_NAME = re.compile(r"[a-z0-9_][a-z0-9_.\-]{0,252}")


def _send_error(status: int, detail: str) -> tuple[dict[str, Any], dict[str, Any]]:
    body = json.dumps({"detail": detail, "problems": []}).encode()
    head = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    return head, {"type": "http.response.body", "body": body}


async def _refuse(send: Any, status: int, detail: str) -> None:
    head, body = _send_error(status, detail)
    await send(head)
    await send(body)


def host_name(header: str) -> str | None:
    """The host part of a Host header ('[::1]:8765' -> '::1', 'Localhost:80' -> 'localhost'), or None."""
    header = header.strip().lower()
    if header.startswith("["):
        name, closed, rest = header[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            return None
        port = rest[1:]
        try:
            ipaddress.IPv6Address(name)
        except ValueError:
            return None
    else:
        name, _, port = header.partition(":")
        if not _NAME.fullmatch(name):
            return None
    if port and not (port.isdigit() and len(port) <= 5):
        return None
    return name


def is_loopback(name: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class HostCheck:
    """Refuse HTTP requests whose Host is not loopback or one of ``allowed`` (421; 400 if missing/malformed).

    The port is not compared: an SSH tunnel (``ssh -L 9000:localhost:8765``) legitimately changes it,
    and the name alone is what DNS rebinding forges.
    """

    def __init__(self, app: Any, allowed: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = {a.strip().lower().strip("[]") for a in allowed if a and a.strip()}

    def permits(self, name: str) -> bool:
        """Whether requests naming host ``name`` are served."""
        return is_loopback(name) or name in self.allowed

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [v for k, v in scope.get("headers") or [] if k == b"host"]
        if len(headers) != 1:
            await _refuse(send, 400, "the request needs exactly one Host header")
            return
        name = host_name(headers[0].decode("latin-1"))
        if name is None:
            await _refuse(send, 400, "the Host header is not a valid host name")
            return
        if not self.permits(name):
            await _refuse(
                send,
                421,
                f"host {name!r} is not served here: only loopback names (localhost, 127.0.0.1, [::1])"
                + (f" and {', '.join(sorted(self.allowed))}" if self.allowed else "")
                + "; start the server with --allow-host to add a name",
            )
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413 (declared or streamed).

    The body is read here first (it is small by construction) and replayed to the app.
    """

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _refuse(send, 413, f"request body is {int(declared):,} bytes; the limit is {self.limit:,}")
            return
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            body = message.get("body", b"")
            seen += len(body)
            if seen > self.limit:
                await _refuse(send, 413, f"request body is over the limit of {self.limit:,} bytes")
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        scope["detente.body"] = b"".join(chunks)  # kept to explain a body the app cannot parse
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": scope["detente.body"], "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
