"""Who may sign in to the web pages: the school's rules applied to what a sign-in provider says.

A provider's ID token has already been checked (signature, issuer, audience, expiry, nonce) when
these rules see its claims; they decide whether the account belongs to the school, and which
stable id and which email sendbot may trust.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Provider(StrEnum):
    """The sign-in presets; one is chosen by the WEB_SIGN_IN setting."""

    MICROSOFT = "microsoft"
    GOOGLE = "google"
    SLACK = "slack"
    OIDC = "oidc"


PROVIDER_NAMES = {
    Provider.MICROSOFT: "Microsoft",
    Provider.GOOGLE: "Google",
    Provider.SLACK: "Slack",
    Provider.OIDC: "your school account",
}

# Sign in with Slack puts the workspace in a namespaced claim.
SLACK_TEAM_CLAIM = "https://slack.com/team_id"


@dataclass(frozen=True)
class Account:
    """A school account the rules admitted: a stable key, and what may be used to match it."""

    issuer: str
    # The person's id at the issuer: Microsoft's object id (oid), otherwise `sub`.
    subject: str
    # The email the provider vouches for, case folded; None when it does not vouch for one.
    email: str | None
    # Microsoft's object id, which Teams also knows the person by (aadObjectId).
    microsoft_object_id: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in was refused: a short reason for the audit log and a page for the person."""

    reason: str
    message: str


def admit(
    provider: Provider,
    claims: Mapping[str, object],
    allowed: frozenset[str],
    claim_name: str | None = None,
) -> Account | Refusal:
    """Apply the school's rule for this provider to a verified ID token's claims."""
    issuer = str(claims.get("iss", ""))
    subject = _text(claims.get("sub"))
    if not issuer or not subject:
        return Refusal("incomplete_token", _INCOMPLETE)
    if provider is Provider.MICROSOFT:
        return _microsoft(claims, issuer, allowed)
    if provider is Provider.GOOGLE:
        domain = _text(claims.get("hd")).casefold()
        if domain not in allowed:
            return Refusal("other_domain", _OTHER_DOMAIN)
        if not _verified(claims):
            return Refusal("unverified_email", UNVERIFIED)
        return Account(issuer, subject, _email(claims))
    if provider is Provider.SLACK:
        if _text(claims.get(SLACK_TEAM_CLAIM)) not in allowed:
            return Refusal("other_workspace", _OTHER_WORKSPACE)
        return Account(issuer, subject, _email(claims) if _verified(claims) else None)
    values = claims.get(claim_name or "")
    given = {str(v) for v in values} if isinstance(values, list) else {_text(values)}
    if not given & allowed:
        return Refusal("not_allowed", _NOT_ALLOWED)
    return Account(issuer, subject, _email(claims) if _verified(claims) else None)


def _microsoft(
    claims: Mapping[str, object], issuer: str, allowed: frozenset[str]
) -> Account | Refusal:
    # Microsoft: the audience setting of an app registration does not stop accounts of other
    # organisations reaching it, so the tenant is checked here, and the person is known by
    # tenant and object id (`sub` differs per app).
    tenant = _text(claims.get("tid")).casefold()
    object_id = _text(claims.get("oid"))
    if tenant not in allowed:
        return Refusal("other_tenant", _OTHER_TENANT)
    if not object_id:
        return Refusal("incomplete_token", _INCOMPLETE)
    # Inside the school's own tenant the sign-in name and mail are set by its administrators.
    email = _text(claims.get("email")) or _text(claims.get("preferred_username"))
    return Account(issuer, object_id, email.casefold() or None, microsoft_object_id=object_id)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _verified(claims: Mapping[str, object]) -> bool:
    # Some providers send the flag as the string "true".
    flag = claims.get("email_verified")
    return flag is True or (isinstance(flag, str) and flag.lower() == "true")


def _email(claims: Mapping[str, object]) -> str | None:
    return _text(claims.get("email")).casefold() or None


_INCOMPLETE = (
    "The sign-in service did not say who you are, so sendbot cannot sign you in. "
    "Try again; if it keeps happening, tell the person who looks after sendbot."
)
_OTHER_TENANT = (
    "This Microsoft account belongs to another organisation. "
    "Sign in with your school Microsoft account."
)
_OTHER_DOMAIN = (
    "This Google account is not one of the school's. Sign in with your school Google "
    "account, not a personal one."
)
_OTHER_WORKSPACE = (
    "This Slack account is in another workspace. Sign in to the school's Slack workspace."
)
_NOT_ALLOWED = "This account is not one that may use sendbot at this school."
UNVERIFIED = (
    "The sign-in service has not verified this account's email address, so sendbot cannot "
    "tell who you are. Verify it with the service, or use your school account."
)

UNKNOWN_ACCOUNT = (
    "sendbot does not know this account; ask your SENDCO to add you to the staff list."
)
LEFT = (
    "This account belongs to someone who is no longer on the school's staff list, so it "
    "cannot sign in. If that is wrong, ask your SENDCO."
)


def session_expired(
    created_at: datetime,
    last_seen_at: datetime,
    now: datetime,
    idle: timedelta,
    lifetime: timedelta,
) -> bool:
    """A session ends after `idle` without a request, and `lifetime` after it began."""
    return now - last_seen_at >= idle or now - created_at >= lifetime
