"""How much a request may send, route by route, enforced as the body streams in.

`BodyLimits` counts the bytes of every request body as the app reads them and refuses with 413
at the first read past the route's limit (at once, when Content-Length already says so), so no
body larger than its route allows is parsed, signature-checked or held in memory or on disk.
The refusal is an HTTPException, so it reaches the person as a page in plain words. A route that
never reads its body (a redirect to sign in) reads none of it.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages' forms hold a few short fields (a press, a target, a sign-in).
FORM_MAX_BYTES = 100_000
FORM_LIMITS: Any = {"max_fields": 300, "max_files": 0, "max_part_size": 50_000}

# Slack's and Teams' own requests: an event, a press, a form submitted in a modal or card.
# Neither platform publishes a ceiling; their largest (a modal's whole view) is well under this.
PLATFORM_MAX_BYTES = 1_000_000
PLATFORM_PATHS = ("/slack/events", "/api/messages")

# The SENDCO's uploads: the file (UPLOAD_MAX_MB), an optional second one (the register's mapping
# file, or the staff list beside a class list) and a few fields; or a question bank file.
UPLOAD_PATHS = ("/sendco/register/import", "/sendco/register/teaching", "/sendco/questions/import")
UPLOAD_OVERHEAD_BYTES = 1_000_000
UPLOAD_FORM_LIMITS: Any = {"max_fields": 20, "max_files": 2, "max_part_size": 50_000}


class BodyLimits:
    """ASGI middleware: each request's body may be read only up to its route's limit."""

    def __init__(self, app: ASGIApp, upload_max_bytes: int) -> None:
        self.app = app
        self.upload_limit = upload_max_bytes + UPLOAD_OVERHEAD_BYTES

    def limit_for(self, path: str) -> int:
        if path in UPLOAD_PATHS:
            return self.upload_limit
        if path in PLATFORM_PATHS:
            return PLATFORM_MAX_BYTES
        return FORM_MAX_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        received = 0

        async def bounded() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > limit:
                raise HTTPException(413, too_large_message(limit))
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, too_large_message(limit))
            return message

        await self.app(scope, bounded, send)


async def read_form(request: Request) -> FormData:
    """The request's form, parsed within its route's limits on fields, files and field size
    (FastAPI applies FORM_LIMITS to the forms it parses itself; this is for the routes and
    checks that read the form by hand)."""
    limits = UPLOAD_FORM_LIMITS if request.url.path in UPLOAD_PATHS else FORM_LIMITS
    return await request.form(**limits)


def too_large_message(limit: int) -> str:
    """What a person sees when what they sent is larger than the page takes."""
    size = f"{limit / 1_000_000:g} MB" if limit >= 1_000_000 else f"{limit / 1000:g} KB"
    return (
        f"What was sent is larger than this page accepts ({size}), so sendbot did not read it"
        " and nothing was changed. If it is a file, save a smaller one (one sheet, only the"
        " columns needed) and try again."
    )
