"""The school's rules for who may sign in, applied to a verified ID token's claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.sign_in import SLACK_TEAM_CLAIM, Account, Provider, Refusal, admit, session_expired

TENANT = "6f1c2a3b-0000-4000-8000-00000000cafe"
BASE = {"iss": "https://issuer.example", "sub": "abc"}


def test_microsoft_admits_the_schools_tenant_and_knows_the_person_by_object_id() -> None:
    claims = BASE | {"tid": TENANT.upper(), "oid": "oid-1", "preferred_username": "Ann@School.org"}
    account = admit(Provider.MICROSOFT, claims, frozenset({TENANT}))
    assert account == Account("https://issuer.example", "oid-1", "ann@school.org", "oid-1")
    other = admit(Provider.MICROSOFT, claims | {"tid": "another"}, frozenset({TENANT}))
    assert isinstance(other, Refusal) and other.reason == "other_tenant"
    no_oid = admit(Provider.MICROSOFT, {**BASE, "tid": TENANT}, frozenset({TENANT}))
    assert isinstance(no_oid, Refusal) and no_oid.reason == "incomplete_token"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"hd": "school.org", "email": "a@school.org", "email_verified": True}, None),
        ({"hd": "school.org", "email": "a@school.org", "email_verified": "true"}, None),
        (
            {"hd": "school.org", "email": "a@school.org", "email_verified": False},
            "unverified_email",
        ),
        ({"hd": "school.org", "email": "a@school.org"}, "unverified_email"),
        ({"email": "a@gmail.com", "email_verified": True}, "other_domain"),
        ({"hd": "other.org", "email": "a@other.org", "email_verified": True}, "other_domain"),
    ],
)
def test_google_checks_the_hd_claim_and_a_verified_email(
    claims: dict[str, object], reason: str | None
) -> None:
    result = admit(Provider.GOOGLE, BASE | claims, frozenset({"school.org"}))
    if reason is None:
        assert result == Account("https://issuer.example", "abc", "a@school.org")
    else:
        assert isinstance(result, Refusal) and result.reason == reason


def test_slack_admits_the_schools_workspace_and_trusts_only_a_verified_email() -> None:
    claims = BASE | {SLACK_TEAM_CLAIM: "T01", "email": "a@school.org"}
    assert admit(Provider.SLACK, claims, frozenset({"T01"})) == Account(
        "https://issuer.example", "abc", None
    )
    verified = admit(Provider.SLACK, claims | {"email_verified": True}, frozenset({"T01"}))
    assert isinstance(verified, Account) and verified.email == "a@school.org"
    other = admit(Provider.SLACK, claims, frozenset({"T02"}))
    assert isinstance(other, Refusal) and other.reason == "other_workspace"


def test_another_provider_admits_by_one_claim_string_or_list() -> None:
    allowed = frozenset({"staff"})
    assert isinstance(admit(Provider.OIDC, BASE | {"role": "staff"}, allowed, "role"), Account)
    assert isinstance(
        admit(Provider.OIDC, BASE | {"role": ["x", "staff"]}, allowed, "role"), Account
    )
    assert isinstance(admit(Provider.OIDC, BASE | {"role": ["pupil"]}, allowed, "role"), Refusal)
    assert isinstance(admit(Provider.OIDC, BASE, allowed, "role"), Refusal)
    assert isinstance(admit(Provider.OIDC, {"sub": "x"}, allowed, "role"), Refusal)  # no issuer


def test_a_session_ends_when_idle_or_when_old() -> None:
    start = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    idle, lifetime = timedelta(hours=8), timedelta(days=7)
    assert not session_expired(start, start, start + timedelta(hours=7), idle, lifetime)
    assert session_expired(start, start, start + timedelta(hours=8), idle, lifetime)
    seen = start + timedelta(days=6, hours=23)
    assert not session_expired(start, seen, seen + timedelta(minutes=59), idle, lifetime)
    assert session_expired(start, seen, start + timedelta(days=7), idle, lifetime)


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/team?period=autumn", True),
        ("/pupils/12", True),
        ("//evil.example/x", False),
        ("/\\evil.example", False),
        ("/ok\\..\\x", False),
        ("https://evil.example/", False),
        ("/line\nbreak", False),
        ("team", False),
    ],
)
def test_after_signing_in_a_person_goes_only_to_a_page_of_this_site(
    target: str, kept: bool
) -> None:
    from bot.web.auth.routes import safe_next

    assert safe_next(target) == (target if kept else "/")
