"""The platform's answers, signed: ASGI middleware that signs every `/api/v1` answer.

Every answer of the API — an acceptance, a refusal, a batch's results, an upload's
status, maintenance — carries an RFC 9421 response signature by the platform's
Ed25519 key (`wire.ack`), over its status, its Content-Digest and the headers a
terminal acts on, bound to the request it answers (its method, its path as routed and,
for a signed request, the terminal's own signature). A terminal takes no decision from
an answer it cannot verify, so a forger between the two cannot make it believe a
submission was accepted.

One place for all answers: the routers and the error handlers stay unaware of it.
The answer's body is held until complete (the API's answers are small JSON documents).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wire import ack, paths


def _request_signature(scope: Scope) -> str | None:
    """The request's Signature field, its repeated lines combined (RFC 9421 §2.1)."""
    values = [value.decode("latin-1").strip() for name, value in scope["headers"]
              if name.lower() == b"signature"]
    return ", ".join(values) if values else None


class SignAnswers:
    def __init__(self, app: ASGIApp, key: Ed25519PrivateKey):
        self.app = app
        self.key = key
        self.key_id = ack.key_id(key.public_key())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(paths.API):
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        path = raw_path.decode("latin-1").split("?", 1)[0]
        signature = _request_signature(scope)
        start: Message | None = None
        parts: list[bytes] = []

        async def send_signed(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(parts)
            headers = list(start.get("headers", []))
            added = ack.sign_answer(
                start["status"], ((n.decode("latin-1"), v.decode("latin-1")) for n, v in headers),
                body, method=scope["method"], path=path, request_signature=signature,
                key=self.key, public_key_id=self.key_id)
            headers += [(n.lower().encode(), v.encode()) for n, v in added.items()]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, send_signed)
