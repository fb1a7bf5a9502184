"""Signing in and out: the school's own accounts through OpenID Connect, or the demo's picker.

GET /sign-in shows the way in; /auth/start sends the person to the provider and
/auth/callback takes them back, signed in, to the page they were going to. Every refusal is a
page in plain words, creates no session and is written to the audit log without any token.
"""

from __future__ import annotations

import logging
import re

import httpx
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from joserfc.errors import JoseError
from sqlmodel import select

from bot.domain.people import runs_the_school
from bot.domain.sign_in import Account, Refusal, admit
from bot.services.audit import sign_in_as
from bot.services.web_sign_in import refused, signed_out, who_signs_in
from bot.storage.staff import Staff
from bot.web.auth.provider import SignInProvider
from bot.web.auth.sessions import begin_signed_in, end_session, state_of
from bot.web.demo_gate import demo_open
from bot.web.deps import MAX_ROW_ID, SendbotDep
from bot.web.templating import templates

log = logging.getLogger(__name__)
router = APIRouter()

STATE_LOST = (
    "This sign-in had expired or was already used, so it was not accepted. "
    "Please start again; it only takes a moment."
)
PROVIDER_DOWN = (
    "The sign-in service could not be reached or gave an answer sendbot could not read. "
    "Please try again in a few minutes; if it keeps happening, tell the person who looks "
    "after sendbot."
)
BAD_TOKEN = (
    "The sign-in service's answer did not pass sendbot's checks, so you were not signed in. "
    "Please start again."
)
UNREACHABLE = "provider_unreachable"
CANCELLED = "You chose not to sign in, so nothing changed. You can start again whenever you like."
NO_CODE = (
    "The sign-in service sent you back without a sign-in, so nothing changed. Please start again."
)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, sendbot: SendbotDep, next: str = "/") -> Response:
    """The way in: the school's sign-in, or the demo's persona picker on this computer."""
    demo = demo_open(request)
    people = []
    if demo:
        people = sendbot.db.work(
            lambda s: s.exec(
                select(Staff).where(Staff.active == True).order_by(Staff.name)  # noqa: E712
            ).all()
        )
    provider = request.app.state.sign_in
    return templates.TemplateResponse(
        request,
        "sign_in.html",
        {
            "people": people,
            "demo": demo,
            "provider": provider.name if provider else None,
            "next": safe_next(next),
        },
    )


@router.get("/auth/start")
async def start(request: Request, next: str = "/") -> Response:
    """Send the person to the school's sign-in provider, remembering where they were going."""
    provider: SignInProvider | None = request.app.state.sign_in
    if provider is None:
        raise HTTPException(404, "Signing in with a school account is not set up here.")
    request.session["next"] = safe_next(next)
    try:
        return await request.app.state.sign_in_client.authorize_redirect(  # type: ignore[no-any-return]
            request, provider.redirect_uri, **provider.hints
        )
    except (httpx.HTTPError, ValueError, KeyError, RuntimeError):
        log.warning("the sign-in provider's discovery document could not be read")
        return _refused_page(request, PROVIDER_DOWN, 502)


@router.get("/auth/callback")
async def callback(request: Request, sendbot: SendbotDep) -> Response:
    """Where the provider sends the person back: check everything, then sign them in."""
    provider: SignInProvider | None = request.app.state.sign_in
    if provider is None:
        raise HTTPException(404, "Signing in with a school account is not set up here.")
    how = provider.kind.value
    now = sendbot.clock.now()
    account = _refusal_in_query(request) or await _check(request, provider)
    if isinstance(account, Refusal):
        refusal = account
        await sendbot.db.run(lambda s: refused(s, refusal, how, now))
        status = 502 if refusal.reason == UNREACHABLE else 403
        return _refused_page(request, refusal.message, status)
    person = await sendbot.db.run(lambda s: who_signs_in(s, account, how, now))
    if isinstance(person, Refusal):
        return _refused_page(request, person.message, 403)
    return await _sign_in(request, sendbot, person)


def _refusal_in_query(request: Request) -> Refusal | None:
    """The provider's own refusal (the person pressed Cancel), or a callback without a code."""
    error = request.query_params.get("error")
    if error == "access_denied":
        return Refusal("access_denied", CANCELLED)
    if error:
        return Refusal("provider_error", BAD_TOKEN)
    if not request.query_params.get("code"):
        return Refusal("no_code", NO_CODE)
    return None


async def _check(request: Request, provider: SignInProvider) -> Account | Refusal:
    """Exchange the code, check the ID token (Authlib), then apply the school's rules."""
    client = request.app.state.sign_in_client
    try:
        token = await client.authorize_access_token(request, claims_options=provider.claims_options)
    except MismatchingStateError:
        return Refusal("bad_state", STATE_LOST)
    except OAuthError as exc:
        log.info("the sign-in provider refused the code: %s", exc.error)
        return Refusal("provider_refused", BAD_TOKEN)
    except JoseError as exc:
        return Refusal(f"bad_id_token:{type(exc).__name__}", BAD_TOKEN)
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return Refusal(UNREACHABLE, PROVIDER_DOWN)
    claims = token.get("userinfo")
    if not claims:
        return Refusal("no_id_token", BAD_TOKEN)
    return admit(provider.kind, dict(claims), provider.allowed, provider.claim)


async def _sign_in(request: Request, sendbot: SendbotDep, person: Staff) -> Response:
    target = landing(safe_next(str(request.session.get("next", "/"))), person)
    await begin_signed_in(request, sendbot, person)
    return RedirectResponse(target, status_code=303)


@router.post("/sign-in/demo")
async def demo_sign_in(
    request: Request,
    sendbot: SendbotDep,
    staff_id: int = Form(..., ge=1, le=MAX_ROW_ID),
    next: str = Form("/"),
) -> Response:
    """Sign in as any person; only in demo mode, asked from this computer."""
    if not demo_open(request):
        raise HTTPException(404, "There is no such page.")
    now = sendbot.clock.now()
    signed_in = await sendbot.db.run(lambda s: sign_in_as(s, staff_id, now, "demo persona"))
    if signed_in is None:
        raise HTTPException(400, "Choose a person from the list.")
    person = await sendbot.db.run(lambda s: s.get(Staff, signed_in))
    await begin_signed_in(request, sendbot, person)
    return RedirectResponse(landing(safe_next(next), person), status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request, sendbot: SendbotDep) -> Response:
    """End this session on the server; the cookie opens nothing any more."""
    staff_id = state_of(request).staff_id
    if staff_id is not None:
        now = sendbot.clock.now()

        def note(session):  # type: ignore[no-untyped-def]
            person = session.get(Staff, staff_id)
            if person is not None:
                signed_out(session, person, now)

        await sendbot.db.run(note)
    await end_session(request, sendbot)
    return RedirectResponse("/sign-in?signed_out=1", status_code=303)


def _refused_page(request: Request, message: str, status: int) -> Response:
    return templates.TemplateResponse(
        request, "sign_in_refused.html", {"message": message}, status_code=status
    )


# A path on this site: one slash, then no second slash, and no backslash (which browsers read
# as a slash) or control character anywhere.
_LOCAL_PATH = re.compile(r"^/(?!/)[^\x00-\x1f\x7f\\]*$")


def landing(target: str, person: Staff) -> str:
    """Where signing in ends: the page asked for, or for the SENDCO and admins, who came to no
    page in particular, the school's overview."""
    if target == "/" and runs_the_school(person.roles):
        return "/sendco"
    return target


def safe_next(target: str) -> str:
    """Only go back to a page of this site, so a crafted link cannot send a person elsewhere."""
    return target if _LOCAL_PATH.match(target) else "/"
