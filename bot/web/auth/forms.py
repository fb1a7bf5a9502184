"""Protection against cross-site requests: a per-session form token and an Origin check.

Every page form carries the session's token in a hidden field (`csrf_field`); scripts and tests
may send it as the X-CSRF-Token header instead. A POST without the right token, or from a page
of another site, is refused with 403 before the route runs and changes nothing.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from markupsafe import Markup, escape

from bot.web.limits import read_form

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

REFUSED = (
    "This form has expired or did not come from sendbot, so nothing was changed. "
    "Go back, reload the page and try again."
)


def form_token(request: Request) -> str:
    """The session's form token, made on first use (which gives a visitor a session)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def csrf_field(request: Request) -> Markup:
    """The hidden input every form on a page includes."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(form_token(request))}">')


async def check_form(request: Request) -> None:
    """A dependency of every page route: refuse a state-changing request that is not ours."""
    if request.method in SAFE_METHODS:
        return
    if not _same_origin(request):
        raise HTTPException(403, REFUSED)
    expected = request.session.get("csrf")
    if not expected:
        raise HTTPException(403, REFUSED)  # before reading a byte of what was sent
    given = request.headers.get(HEADER)
    if given is None:
        form = await read_form(request)
        value = form.get(FIELD)
        given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(str(expected), given):
        raise HTTPException(403, REFUSED)


def _same_origin(request: Request) -> bool:
    """Browsers send Origin with a POST; it must be this site, as staff reach it (PUBLIC_URL)
    or as this request addressed it. Without Origin the form token alone decides."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    ours = {_origin(request.app.state.sendbot.settings.base_url)}
    host = request.headers.get("host")
    if host:
        ours.add(f"{request.url.scheme}://{host}")
    return origin in ours


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
