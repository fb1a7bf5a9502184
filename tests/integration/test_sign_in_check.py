"""`sendbot sign-in check` against a fake provider: what it says when all is well, and when not."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from tests.fakes.oidc_provider import FakeOidcProvider
from tests.integration.signing_in import provider_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def _check(
    monkeypatch: pytest.MonkeyPatch, idp: FakeOidcProvider, **more: object
) -> tuple[int, str]:
    for name, value in provider_settings(idp, **more).items():
        monkeypatch.setenv(name.upper(), str(value))
    result = runner.invoke(app, ["sign-in", "check"])
    return result.exit_code, result.output


@pytest.mark.parametrize("flavour", ["microsoft", "google", "slack", "oidc"])
def test_a_working_set_up_is_confirmed_with_the_redirect_uri_to_register(
    monkeypatch: pytest.MonkeyPatch, flavour: str
) -> None:
    with FakeOidcProvider(flavour) as idp:
        allowed = {"google": "oakhill.example", "slack": "T0OAKHILL"}.get(flavour)
        code, output = _check(
            monkeypatch, idp, **({"web_sign_in_allowed": allowed} if allowed else {})
        )
        assert code == 0, output
        assert "accepts sendbot's client id and secret" in output
        assert "http://testserver/auth/callback" in output
        assert idp.requests_to("token") == 1


@pytest.mark.parametrize("flavour", ["microsoft", "slack"])
def test_a_wrong_secret_is_named(monkeypatch: pytest.MonkeyPatch, flavour: str) -> None:
    with FakeOidcProvider(flavour) as idp:
        more: dict[str, object] = {"web_sign_in_client_secret": "expired-secret"}
        if flavour == "slack":
            more["web_sign_in_allowed"] = "T0OAKHILL"
        code, output = _check(monkeypatch, idp, **more)
        assert code == 1
        assert "WEB_SIGN_IN_CLIENT_ID and WEB_SIGN_IN_CLIENT_SECRET" in output
        assert "expired-secret" not in output


def test_an_unreachable_or_garbled_provider_is_said_plainly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeOidcProvider("oidc") as idp:
        idp.garbage = {"discovery"}
        code, output = _check(monkeypatch, idp)
        assert code == 1 and "is not JSON" in output
        idp.garbage = set()
        idp.down = True
        code, output = _check(monkeypatch, idp)
        assert code == 1 and "Could not reach the discovery document" in output
    with FakeOidcProvider("microsoft") as idp:
        code, output = _check(monkeypatch, idp, web_sign_in_issuer=f"{idp.base_url}/common/v2.0")
        assert code == 1 and "answered 404" in output


def test_without_web_sign_in_the_check_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["sign-in", "check"])
    assert result.exit_code == 1 and "Set WEB_SIGN_IN" in result.output
