"""Signing in with the school's own accounts, through a fake OpenID Connect provider on loopback
that Authlib talks to over real HTTP: who gets in, who does not, and what each refusal says."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sqlmodel import select

from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.audit import AuditEvent
from bot.storage.database import Database
from bot.storage.staff import ChatIdentity
from bot.storage.web_session import SignInLink, WebSession
from tests import factories
from tests.fakes.oidc_provider import FakeOidcProvider
from tests.integration.signing_in import (
    school_sign_in,
    signed_in_client,
    signing_in_sendbot,
    start,
)
from tests.integration.webapp import client_for
from tests.web_forms import form_token

OTHER_TENANT = "0b0b0b0b-0000-4000-8000-00000000beef"


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    """A line manager with one report, a teacher outside the team, the SENDCO and a leaver."""

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        priya = factories.person(s, school, "Priya Raman", roles={Role.LINE_MANAGER})
        tom = factories.person(s, school, "Tom Hargreaves")
        tom.line_manager_id = priya.id
        aisha = factories.person(s, school, "Aisha Khan")
        sarah = factories.person(s, school, "Sarah Pemberton", roles={Role.SENDCO})
        leaver = factories.person(s, school, "Lee Gone")
        leaver.active = False
        return {
            "priya": priya.id,
            "tom": tom.id,
            "aisha": aisha.id,
            "sarah": sarah.id,
            "leaver": leaver.id,
        }

    return db.work(setup)


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def microsoft() -> Iterator[FakeOidcProvider]:
    with FakeOidcProvider("microsoft") as idp:
        for name in ("priya.raman", "tom.hargreaves", "aisha.khan", "sarah.pemberton", "lee.gone"):
            idp.add_account(f"{name}@oakhill.example")
        idp.add_account("stranger@oakhill.example")
        idp.add_account("priya.raman@elsewhere.example", tid=OTHER_TENANT)
        yield idp


def _refusals(db: Database) -> list[str]:
    return db.work(
        lambda s: [
            e.detail
            for e in s.exec(select(AuditEvent).where(AuditEvent.action == "sign_in_refused"))
        ]
    )


def _signed_in_events(db: Database) -> list[tuple[int | None, str]]:
    return db.work(
        lambda s: [
            (e.actor_staff_id, e.detail)
            for e in s.exec(select(AuditEvent).where(AuditEvent.action == "signed_in"))
        ]
    )


def test_a_line_manager_signs_in_and_lands_on_the_page_the_link_pointed_to(
    db: Database, clock: FixedClock, people: dict[str, int], microsoft: FakeOidcProvider
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    client = client_for(sendbot)
    # The link from chat: not signed in, so to the sign-in page, remembering the page.
    first = client.get("/team?period=autumn")
    assert first.status_code == 303
    assert first.headers["location"] == "/sign-in?next=/team%3Fperiod%3Dautumn"
    page = client.get(first.headers["location"]).text
    assert "Sign in with Microsoft" in page
    assert "Person</label>" not in page  # no persona picker outside the demo

    authorize = start(client, "/team?period=autumn")
    query = dict(parse_qsl(urlsplit(authorize).query))
    assert authorize.startswith(f"{microsoft.base_url}/authorize?")
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    assert query["state"] and query["nonce"]
    assert query["redirect_uri"] == "http://testserver/auth/callback"
    before = client.cookies.get("sendbot_session")
    back = microsoft.sign_in(authorize, "Priya.Raman@OakHill.example")
    answer = client.get(back)
    assert answer.status_code == 303 and answer.headers["location"] == "/team?period=autumn"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.cookies.get("sendbot_session") not in (None, before)  # a new session

    team = client.get("/team")
    assert team.status_code == 200
    assert "Tom Hargreaves" in team.text and "Aisha Khan" not in team.text
    assert client.get("/sendco/briefings").status_code == 403
    assert _signed_in_events(db) == [(people["priya"], "microsoft")]
    link = db.work(lambda s: s.exec(select(SignInLink)).one())
    account = microsoft.accounts["priya.raman@oakhill.example"]
    assert (link.staff_id, link.issuer, link.subject) == (
        people["priya"],
        microsoft.issuer,
        account["oid"],
    )
    # The cookie holds a random token; the database only its keyed digest.
    rows = db.work(lambda s: s.exec(select(WebSession)).all())
    assert [r.staff_id for r in rows] == [people["priya"]]
    assert client.cookies.get("sendbot_session") not in rows[0].token_digest
    sendbot.db.dispose()


def test_the_second_sign_in_uses_the_stored_link_not_the_email(
    db: Database, clock: FixedClock, people: dict[str, int], microsoft: FakeOidcProvider
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    signed_in_client(sendbot, microsoft, "tom.hargreaves@oakhill.example")
    # The school renames the account's sign-in name; the object id still says who it is.
    microsoft.accounts["tom.hargreaves@oakhill.example"]["preferred_username"] = "t.h@new.example"
    client = signed_in_client(sendbot, microsoft, "tom.hargreaves@oakhill.example")
    assert "Tom Hargreaves" in client.get("/me").text
    assert db.work(lambda s: len(s.exec(select(SignInLink)).all())) == 1
    sendbot.db.dispose()


def test_a_person_already_seen_in_teams_is_known_by_their_microsoft_id(
    db: Database, clock: FixedClock, people: dict[str, int], microsoft: FakeOidcProvider
) -> None:
    account = microsoft.add_account("aisha.k@different-name.example")
    db.work(
        lambda s: s.add(
            ChatIdentity(
                staff_id=people["aisha"], platform="teams", platform_user_id=account["oid"]
            )
        )
    )
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    client = signed_in_client(sendbot, microsoft, "aisha.k@different-name.example")
    assert "Aisha Khan" in client.get("/me").text
    sendbot.db.dispose()


def _refused(
    db: Database,
    client,  # type: ignore[no-untyped-def]
    answer,  # type: ignore[no-untyped-def]
    words: str,
    reason: str,
    status: int = 403,
) -> None:
    """A refusal: a page in plain words, no session, nothing stored but the audit line."""
    assert answer.status_code == status, answer.text
    assert words in answer.text
    assert client.get("/me").status_code == 303  # not signed in
    assert db.work(lambda s: s.exec(select(WebSession.staff_id)).all()) in ([], [None])
    assert db.work(lambda s: s.exec(select(SignInLink)).all()) == []
    assert [r.split(": ", 1)[1] for r in _refusals(db)] == [reason]
    assert _signed_in_events(db) == []


def test_an_account_of_another_tenant_is_refused(
    db: Database, clock: FixedClock, people: dict[str, int], microsoft: FakeOidcProvider
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    client = client_for(sendbot)
    answer = school_sign_in(client, microsoft, "priya.raman@elsewhere.example")
    _refused(db, client, answer, "belongs to another organisation", "other_tenant")
    sendbot.db.dispose()


def test_an_unknown_person_and_a_leaver_are_told_politely(
    db: Database, clock: FixedClock, people: dict[str, int], microsoft: FakeOidcProvider
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    client = client_for(sendbot)
    answer = school_sign_in(client, microsoft, "stranger@oakhill.example")
    _refused(
        db, client, answer, "sendbot does not know this account; ask your SENDCO", "unknown_account"
    )
    answer = school_sign_in(client, microsoft, "lee.gone@oakhill.example")
    assert answer.status_code == 403 and "no longer on the school" in answer.text
    assert _refusals(db)[-1] == "microsoft: left"
    sendbot.db.dispose()


def test_cancelling_at_the_provider_and_a_callback_without_a_code(
    db: Database, clock: FixedClock, people: dict[str, int], microsoft: FakeOidcProvider
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    client = client_for(sendbot)
    back = microsoft.sign_in(start(client), "priya.raman@oakhill.example", cancel=True)
    assert "error=access_denied" in back
    _refused(db, client, client.get(back), "You chose not to sign in", "access_denied")
    state = dict(parse_qsl(urlsplit(back).query))["state"]
    answer = client.get(f"/auth/callback?{urlencode({'state': state})}")
    assert answer.status_code == 403 and "without a sign-in" in answer.text
    sendbot.db.dispose()


@pytest.mark.parametrize("how", ["tampered", "replayed", "expired", "another browser"])
def test_a_state_that_is_tampered_replayed_expired_or_not_ours_is_refused(
    db: Database,
    clock: FixedClock,
    people: dict[str, int],
    microsoft: FakeOidcProvider,
    how: str,
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    client = client_for(sendbot)
    back = microsoft.sign_in(start(client, "/team"), "priya.raman@oakhill.example")
    if how == "tampered":
        back = back.replace("state=", "state=x")
    elif how == "replayed":
        assert client.get(back).status_code == 303
        client.post("/sign-out", headers={"x-csrf-token": _token(client)})
        db.work(lambda s: [s.delete(e) for e in s.exec(select(AuditEvent))])
        db.work(lambda s: [s.delete(k) for k in s.exec(select(SignInLink))])
    elif how == "expired":
        clock.moment += timedelta(minutes=16)
    else:
        client = client_for(sendbot)  # the code and state reach a browser that did not start
    _refused(db, client, client.get(back), "had expired or was already used", "bad_state")
    sendbot.db.dispose()


def _token(client) -> str:  # type: ignore[no-untyped-def]
    return form_token(client, "/me")


@pytest.mark.parametrize(
    ("tamper", "forge"),
    [
        ({"nonce": "not-the-nonce-we-sent"}, False),
        ({"aud": "someone-elses-client"}, False),
        ({"iss": "http://127.0.0.1:9/other/v2.0"}, False),
        ({"exp": 1_000_000_000, "iat": 999_990_000}, False),
        ({}, True),
    ],
    ids=["wrong nonce", "wrong audience", "wrong issuer", "expired token", "forged signature"],
)
def test_an_id_token_that_fails_a_check_signs_nobody_in(
    db: Database,
    clock: FixedClock,
    people: dict[str, int],
    microsoft: FakeOidcProvider,
    tamper: dict[str, object],
    forge: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    client = client_for(sendbot)
    microsoft.tamper, microsoft.forge = tamper, forge
    caplog.set_level(logging.DEBUG)
    back = microsoft.sign_in(start(client), "priya.raman@oakhill.example")
    answer = client.get(back)
    assert answer.status_code == 403 and "did not pass sendbot" in answer.text
    assert client.get("/me").status_code == 303
    (refusal,) = _refusals(db)
    assert refusal.startswith("microsoft: bad_id_token")
    code = dict(parse_qsl(urlsplit(back).query))["code"]
    # sendbot's own log lines, and Authlib's, hold neither the code nor any token.
    ours = " ".join(r.getMessage() for r in caplog.records if r.name.startswith(("bot", "authlib")))
    assert "sign-in refused" in ours
    assert code not in ours and "eyJ" not in ours
    assert code not in str(db.work(lambda s: [e.detail for e in s.exec(select(AuditEvent))]))
    sendbot.db.dispose()


def test_keys_rotated_at_the_provider_are_fetched_again(
    db: Database, clock: FixedClock, people: dict[str, int], microsoft: FakeOidcProvider
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    signed_in_client(sendbot, microsoft, "priya.raman@oakhill.example")
    microsoft.rotate_keys(keep_old=False)
    keys_before = microsoft.requests_to("keys")
    signed_in_client(sendbot, microsoft, "tom.hargreaves@oakhill.example")
    assert microsoft.requests_to("keys") == keys_before + 1
    sendbot.db.dispose()


@pytest.mark.parametrize("fault", ["down at start", "down at callback", "garbage", "garbage token"])
def test_a_provider_that_is_down_or_answers_garbage_gets_a_page_not_a_crash(
    db: Database,
    clock: FixedClock,
    people: dict[str, int],
    microsoft: FakeOidcProvider,
    fault: str,
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    client = client_for(sendbot)
    if fault == "down at start":
        microsoft.down = True
        answer = client.get("/auth/start?next=/team")
    elif fault == "garbage":
        microsoft.garbage = {"discovery"}
        answer = client.get("/auth/start?next=/team")
    else:
        back = microsoft.sign_in(start(client), "priya.raman@oakhill.example")
        if fault == "down at callback":
            microsoft.down = True
        else:
            microsoft.garbage = {"token"}
        answer = client.get(back)
        assert [r.split(": ")[1] for r in _refusals(db)] == ["provider_unreachable"]
    assert answer.status_code == 502
    assert "could not be reached" in answer.text
    assert client.get("/me").status_code == 303
    sendbot.db.dispose()


def test_google_admits_only_verified_accounts_of_the_schools_domains(
    db: Database, clock: FixedClock, people: dict[str, int]
) -> None:
    with FakeOidcProvider("google") as google:
        google.add_account("priya.raman@oakhill.example", hd="oakhill.example")
        google.add_account("tom.hargreaves@gmail.example")  # a personal account: no hd
        google.add_account("aisha.khan@oakhill.example", hd="oakhill.example", email_verified=False)
        google.add_account("sarah.pemberton@oakhill.example", hd="other.example")
        sendbot = signing_in_sendbot(_url(db), clock, google, web_sign_in_allowed="OakHill.example")
        authorize = start(client_for(sendbot))
        assert dict(parse_qsl(urlsplit(authorize).query))["hd"] == "oakhill.example"
        for login, reason in [
            ("tom.hargreaves@gmail.example", "other_domain"),
            ("aisha.khan@oakhill.example", "unverified_email"),
            ("sarah.pemberton@oakhill.example", "other_domain"),
        ]:
            client = client_for(sendbot)
            answer = school_sign_in(client, google, login)
            assert answer.status_code == 403, login
            assert _refusals(db)[-1] == f"google: {reason}"
        client = signed_in_client(sendbot, google, "priya.raman@oakhill.example")
        assert "Priya Raman" in client.get("/me").text
        sendbot.db.dispose()


def test_slack_admits_only_the_schools_workspace(
    db: Database, clock: FixedClock, people: dict[str, int]
) -> None:
    with FakeOidcProvider("slack") as slack:
        team = "https://slack.com/team_id"
        slack.add_account("priya.raman@oakhill.example", **{team: "T0OAKHILL"})
        slack.add_account("tom.hargreaves@oakhill.example", **{team: "T0ELSEWHERE"})
        sendbot = signing_in_sendbot(_url(db), clock, slack, web_sign_in_allowed="T0OAKHILL")
        client = client_for(sendbot)
        answer = school_sign_in(client, slack, "tom.hargreaves@oakhill.example")
        _refused(db, client, answer, "in another workspace", "other_workspace")
        client = signed_in_client(sendbot, slack, "priya.raman@oakhill.example")
        assert "Priya Raman" in client.get("/me").text
        sendbot.db.dispose()


def test_another_provider_admits_by_a_claim_and_basic_client_authentication(
    db: Database, clock: FixedClock, people: dict[str, int]
) -> None:
    with FakeOidcProvider("oidc") as idp:
        idp.add_account("priya.raman@oakhill.example", email_verified=True, groups=["staff"])
        idp.add_account("tom.hargreaves@oakhill.example", email_verified=True, groups=["pupils"])
        idp.add_account("aisha.khan@oakhill.example", groups=["staff"])  # email not verified
        sendbot = signing_in_sendbot(_url(db), clock, idp)
        client = client_for(sendbot)
        answer = school_sign_in(client, idp, "tom.hargreaves@oakhill.example")
        _refused(db, client, answer, "not one that may use sendbot", "not_allowed")
        answer = school_sign_in(client_for(sendbot), idp, "aisha.khan@oakhill.example")
        assert answer.status_code == 403 and "not verified" in answer.text
        client = signed_in_client(sendbot, idp, "priya.raman@oakhill.example")
        assert "Priya Raman" in client.get("/me").text
        sendbot.db.dispose()


def test_sessions_end_when_idle_when_old_and_at_sign_out(
    db: Database, clock: FixedClock, people: dict[str, int], microsoft: FakeOidcProvider
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    client = signed_in_client(sendbot, microsoft, "priya.raman@oakhill.example")
    # Used every seven hours, it lasts the week; not at all for eight hours, it ends.
    for _ in range(23):
        clock.moment += timedelta(hours=7)
        assert client.get("/me").status_code == 200
    clock.moment += timedelta(hours=7)  # 7 days and an hour since signing in
    assert client.get("/me").status_code == 303
    client = signed_in_client(sendbot, microsoft, "priya.raman@oakhill.example")
    clock.moment += timedelta(hours=8)
    assert client.get("/me").status_code == 303
    # Sign-out ends the session on the server: the old cookie opens nothing.
    client = signed_in_client(sendbot, microsoft, "priya.raman@oakhill.example")
    cookie = client.cookies.get("sendbot_session")
    out = client.post("/sign-out")
    assert out.status_code == 303 and "Max-Age=0" in out.headers["set-cookie"]
    replay = client_for(sendbot)
    replay.cookies.set("sendbot_session", cookie)
    assert replay.get("/me").status_code == 303
    assert db.work(lambda s: s.exec(select(AuditEvent.action)).all()).count("signed_out") == 1
    sendbot.db.dispose()


def test_the_daily_job_deletes_only_sessions_that_have_ended(
    db: Database, clock: FixedClock, people: dict[str, int], microsoft: FakeOidcProvider
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, microsoft)
    signed_in_client(sendbot, microsoft, "priya.raman@oakhill.example")
    clock.moment += timedelta(hours=7)
    tom = signed_in_client(sendbot, microsoft, "tom.hargreaves@oakhill.example")
    start(client_for(sendbot))  # a sign-in begun and never finished
    assert len(db.work(lambda s: s.exec(select(WebSession)).all())) == 3
    clock.moment += timedelta(hours=2)  # Priya idle 9 hours; the unfinished sign-in 2 hours
    assert asyncio.run(sendbot.ticker.purge_sessions()) == 2
    assert db.work(lambda s: s.exec(select(WebSession.staff_id)).all()) == [people["tom"]]
    assert tom.get("/me").status_code == 200
    sendbot.db.dispose()
