"""Settings: defaults that run on one laptop, one clear line per bad value, secrets kept secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]
# A complete Google sign-in, for tests about what else must be set beside one.
SIGN_IN = {
    "WEB_SIGN_IN": "google",
    "WEB_SIGN_IN_CLIENT_ID": "client",
    "WEB_SIGN_IN_CLIENT_SECRET": "secret",
    "WEB_SIGN_IN_ALLOWED": "school.org.uk",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run each test away from any .env file and with none of our variables set."""
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_env_example_lists_every_setting_once_with_a_comment() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    names = [line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z_]+=", line)]
    assert sorted(names) == sorted(name.upper() for name in Settings.model_fields)
    assert len(names) == len(set(names))
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z_]+=", line):
            assert lines[index - 1].startswith("# "), f"{line} has no comment above it"


def test_env_example_values_are_themselves_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    for line in (ROOT / ".env.example").read_text().splitlines():
        if re.match(r"^[A-Z_]+=.", line):
            name, value = line.split("=", 1)
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET_KEY", "k" * 40)  # the one value a school must make up
    settings = load_settings()
    assert settings.is_sqlite and not settings.demo_mode
    assert not settings.demo_sign_in_allowed


def test_the_demo_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY is missing"):
        load_settings(serving=True)  # no demo, so web sessions need a key
    assert not load_settings().demo_mode  # other commands serve no pages, so need none
    monkeypatch.setenv("DEMO_MODE", "true")  # as `make run` does
    settings = load_settings(serving=True)
    assert settings.database_url == "sqlite:///var/sendbot.db"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.demo_sign_in_allowed
    assert "DEMO_MODE=true" in (ROOT / "Makefile").read_text()


@pytest.mark.parametrize(
    "public_url",
    ["https://sendbot.school.org", "http://192.168.1.20:8000", "http://sendbot.lan"],
)
def test_a_public_address_without_the_schools_sign_in_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, public_url: str
) -> None:
    """Behind a reverse proxy sendbot listens on loopback, but others reach it: the demo's
    picker must never be there, and staff must sign in with their school accounts."""
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.setenv("PUBLIC_URL", public_url)
    with pytest.raises(SettingsError) as caught:
        load_settings(serving=True)
    assert str(caught.value).startswith("Setting WEB_SIGN_IN is none, but PUBLIC_URL is")
    assert len(str(caught.value).splitlines()) == 1
    for name, value in SIGN_IN.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match="SECRET_KEY is missing: PUBLIC_URL is"):
        load_settings(serving=True)
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    settings = load_settings(serving=True)
    assert settings.demo_mode and not settings.demo_sign_in_allowed


def test_a_loopback_public_url_keeps_the_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.setenv("PUBLIC_URL", "http://localhost:8000")
    assert load_settings().demo_sign_in_allowed


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PORT", "eighty", "Setting PORT is not valid"),
        ("PORT", "70000", "1 to 65535"),
        ("DATABASE_URL", "mysql://x", "sqlite:///"),
        ("DEMO_MODE", "perhaps", "true or false"),
        ("LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING or ERROR"),
        ("DISPATCH_BATCH_SIZE", "0", "1 to 5000"),
    ],
)
def test_a_bad_value_is_named_with_what_is_allowed(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert f"Setting {name}" in message and expected in message


def test_secret_key_is_required_when_listening_beyond_this_computer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("DEMO_MODE", "true")
    with pytest.raises(SettingsError, match="WEB_SIGN_IN is none, but HOST is 0.0.0.0"):
        load_settings(serving=True)
    for name, value in SIGN_IN.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match="SECRET_KEY is missing: HOST is 0.0.0.0"):
        load_settings(serving=True)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    settings = load_settings(serving=True)
    assert not settings.demo_sign_in_allowed


def test_a_short_secret_is_refused_without_showing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "hunter2-is-short")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "SECRET_KEY" in str(caught.value) and "hunter2" not in str(caught.value)


def test_secrets_never_appear_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "s3cret-" * 6)
    settings = load_settings()
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.model_dump())


def test_postgresql_urls_use_the_installed_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/sendbot")
    assert load_settings().database_url == "postgresql+psycopg://postgres@127.0.0.1/sendbot"


def test_settings_are_read_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=8123\nDEMO_MODE=true\n")
    assert load_settings().port == 8123


def test_a_copy_of_env_example_is_a_working_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    monkeypatch.setenv("DEMO_MODE", "true")  # `make run` sets it over the file's false
    settings = load_settings()
    assert settings.secret_key is None and settings.slack_bot_token is None
    assert not settings.uses_slack


def test_slack_settings_must_fit_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-abc")
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN is missing"):
        load_settings()
    monkeypatch.setenv("SLACK_MODE", "http")
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is missing"):
        load_settings()
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "abc123")
    assert load_settings().uses_slack
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-user-token")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "starting xoxb-" in str(caught.value) and "xoxp-user-token" not in str(caught.value)


def test_teams_settings_must_be_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.setenv("TEAMS_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
    with pytest.raises(SettingsError, match="TEAMS_CLIENT_SECRET is missing"):
        load_settings()
    monkeypatch.setenv("TEAMS_CLIENT_SECRET", "s3cret-value")
    monkeypatch.setenv("TEAMS_TENANT_ID", "66666666-7777-8888-9999-000000000000")
    assert load_settings().uses_teams
    monkeypatch.setenv("TEAMS_INSTALL_FOR_STAFF", "true")
    with pytest.raises(SettingsError, match="TEAMS_APP_ID is missing"):
        load_settings()


TENANT = "6f1c2a3b-0000-4000-8000-00000000cafe"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"WEB_SIGN_IN": "google"}, "WEB_SIGN_IN_CLIENT_ID is missing"),
        ({"WEB_SIGN_IN": "google", "WEB_SIGN_IN_CLIENT_ID": "c"}, "WEB_SIGN_IN_CLIENT_SECRET"),
        (
            {
                "WEB_SIGN_IN": "google",
                "WEB_SIGN_IN_CLIENT_ID": "c",
                "WEB_SIGN_IN_CLIENT_SECRET": "s",
            },
            "WEB_SIGN_IN_ALLOWED is missing",
        ),
        (
            {
                "WEB_SIGN_IN": "microsoft",
                "WEB_SIGN_IN_CLIENT_ID": "c",
                "WEB_SIGN_IN_CLIENT_SECRET": "s",
            },
            "WEB_SIGN_IN_ALLOWED is missing: WEB_SIGN_IN is microsoft",
        ),
        (
            {
                "WEB_SIGN_IN": "microsoft",
                "WEB_SIGN_IN_CLIENT_ID": "c",
                "WEB_SIGN_IN_CLIENT_SECRET": "s",
                "WEB_SIGN_IN_ALLOWED": f"{TENANT},{TENANT[:-1]}0",
            },
            "one tenant id",
        ),
        (
            {
                "WEB_SIGN_IN": "slack",
                "WEB_SIGN_IN_CLIENT_ID": "c",
                "WEB_SIGN_IN_CLIENT_SECRET": "s",
                "WEB_SIGN_IN_ALLOWED": "oakhill",
            },
            "Slack team ids",
        ),
        (
            {"WEB_SIGN_IN": "oidc", "WEB_SIGN_IN_CLIENT_ID": "c", "WEB_SIGN_IN_CLIENT_SECRET": "s"},
            "WEB_SIGN_IN_ISSUER is missing",
        ),
        (
            {
                "WEB_SIGN_IN": "oidc",
                "WEB_SIGN_IN_CLIENT_ID": "c",
                "WEB_SIGN_IN_CLIENT_SECRET": "s",
                "WEB_SIGN_IN_ISSUER": "https://id.school.org",
            },
            "WEB_SIGN_IN_CLAIM is missing",
        ),
        ({"WEB_SIGN_IN_ISSUER": "http://id.school.org"}, "http:// only on 127.0.0.1"),
        ({"WEB_SIGN_IN": "facebook"}, "WEB_SIGN_IN is not valid"),
    ],
)
def test_web_sign_in_settings_must_fit_together(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], named: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert named in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1
    assert "WEB_SIGN_IN_CLIENT_SECRET=s" not in str(caught.value)


def test_web_sign_in_presets_and_the_demo_picker(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.web.auth.provider import sign_in_provider

    monkeypatch.setenv("WEB_SIGN_IN", "microsoft")
    monkeypatch.setenv("WEB_SIGN_IN_CLIENT_ID", "client")
    monkeypatch.setenv("WEB_SIGN_IN_CLIENT_SECRET", "secret")
    monkeypatch.setenv("TEAMS_TENANT_ID", TENANT.upper())  # the tenant given for Teams serves
    monkeypatch.setenv("TEAMS_CLIENT_SECRET", "teams-secret")
    monkeypatch.setenv("TEAMS_CLIENT_ID", "teams-client")
    monkeypatch.setenv("TEAMS_AUTHORITY", "https://login.microsoftonline.us")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    settings = load_settings()
    assert settings.demo_sign_in_allowed is False  # never once real sign-in is set up
    provider = sign_in_provider(settings)
    assert provider is not None
    assert provider.issuer == f"https://login.microsoftonline.us/{TENANT}/v2.0"
    assert provider.allowed == frozenset({TENANT})
    assert provider.redirect_uri == "http://127.0.0.1:8000/auth/callback"
    monkeypatch.setenv("WEB_SIGN_IN_ISSUER", "http://127.0.0.1:9999/tenant/v2.0/")
    assert sign_in_provider(load_settings()).issuer == "http://127.0.0.1:9999/tenant/v2.0"  # type: ignore[union-attr]
    monkeypatch.setenv("WEB_SIGN_IN", "none")
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.delenv("SECRET_KEY")
    assert load_settings().demo_sign_in_allowed is True
