"""`sendbot teams package` writes the zip a school's Teams admin uploads: a manifest for a
personal-scope bot with the bot id, and the two icons at exactly the sizes Teams requires."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.chat.teams.package import app_id_for
from bot.cli import app

runner = CliRunner()
CLIENT_ID = "0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0"
BOT_ID = CLIENT_ID.lower()
GUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Teams settings for Oak Hill, run from a folder without a .env file."""
    monkeypatch.chdir(tmp_path)
    for name in ("CHAT_PLATFORM", "SLACK_BOT_TOKEN", "SECRET_KEY", "TEAMS_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("TEAMS_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("TEAMS_CLIENT_SECRET", "not-a-real-secret")
    monkeypatch.setenv("TEAMS_TENANT_ID", "66666666-7777-8888-9999-000000000000")
    monkeypatch.setenv("PUBLIC_URL", "https://sendbot.oakhill.example/")
    return monkeypatch


def package(tmp_path: Path, *args: str) -> tuple[dict[str, Any], zipfile.ZipFile, str]:
    result = runner.invoke(app, ["teams", "package", *args])
    assert result.exit_code == 0, result.output
    written = tmp_path / (args[-1] if args else "sendbot-teams.zip")
    archive = zipfile.ZipFile(written)
    return json.loads(archive.read("manifest.json")), archive, result.stdout


def read_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """Width, height and RGBA pixels of an 8-bit RGBA, non-interlaced PNG, checking each CRC."""
    assert data.startswith(PNG_SIGNATURE)
    at, chunks = len(PNG_SIGNATURE), []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, interlace) == (8, 6, 0)  # 8-bit RGBA
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = 1 + 4 * width
    assert len(raw) == stride * height
    pixels = []
    for row in range(height):
        line = raw[row * stride : (row + 1) * stride]
        assert line[0] == 0  # no filter
        pixels += [tuple(line[1 + 4 * i : 5 + 4 * i]) for i in range(width)]
    return width, height, pixels  # type: ignore[return-value]


def test_the_manifest_is_a_personal_bot_with_the_bot_id(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    manifest, archive, _ = package(tmp_path)

    assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
    version = manifest["manifestVersion"]
    assert manifest["$schema"].endswith(f"/teams/v{version}/MicrosoftTeams.schema.json")
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert GUID.match(manifest["id"]) and manifest["id"] == app_id_for(CLIENT_ID)
    assert [manifest["name"]["short"]] == ["sendbot"] and len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    assert len(manifest["developer"]["name"]) <= 32
    for link in ("websiteUrl", "termsOfUseUrl"):
        assert manifest["developer"][link] == "https://sendbot.oakhill.example/"
    # Teams shows the privacy link in the app's details: the school's privacy notice.
    assert manifest["developer"]["privacyUrl"] == "https://sendbot.oakhill.example/privacy"
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert re.fullmatch(r"#[0-9A-F]{6}", manifest["accentColor"])
    [bot] = manifest["bots"]
    assert bot["botId"] == BOT_ID
    assert bot["scopes"] == ["personal"]
    assert bot["isNotificationOnly"] is False and bot["supportsFiles"] is False
    [commands] = bot["commandLists"]
    assert commands["scopes"] == ["personal"]
    assert [c["title"] for c in commands["commands"]] == ["help", "me", "team", "brief"]
    assert all(0 < len(c["description"]) <= 128 for c in commands["commands"])
    assert manifest["validDomains"] == ["sendbot.oakhill.example"]
    assert manifest["webApplicationInfo"] == {"id": BOT_ID, "resource": f"api://botid-{BOT_ID}"}


def test_the_app_id_is_the_same_every_time_and_the_output_says_where_it_comes_from(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env.setenv("TEAMS_APP_ID", "a1b2c3d4-0000-4000-8000-00000000a991")  # the catalogue's id
    first, _, said = package(tmp_path, "--output", "first.zip")
    again, _, _ = package(tmp_path, "--output", "again.zip")

    assert first["id"] == again["id"] == app_id_for(CLIENT_ID) != app_id_for("someone-else")
    assert first["id"] != "a1b2c3d4-0000-4000-8000-00000000a991"
    assert f"App id in the manifest: {first['id']} (made from TEAMS_CLIENT_ID" in said
    assert "https://sendbot.oakhill.example/api/messages" in said
    assert "set TEAMS_APP_ID to the App ID shown there" in said


def test_the_icons_are_pngs_of_exactly_the_sizes_teams_requires(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    manifest, archive, _ = package(tmp_path)

    width, height, colour = read_png(archive.read("color.png"))
    assert (width, height) == (192, 192)
    assert all(p[3] == 255 for p in colour)  # opaque: a full-bleed square
    background = colour[0]
    assert background[:3] == tuple(int(manifest["accentColor"][i : i + 2], 16) for i in (1, 3, 5))
    marked = [i for i, p in enumerate(colour) if p != background]
    assert sum(colour[i] == (255, 255, 255, 255) for i in marked) > 0.15 * 192 * 192
    # The mark stays inside Teams' central 120x120 safe area.
    assert all(36 <= i % 192 < 156 and 36 <= i // 192 < 156 for i in marked)
    assert len(set(colour)) > 2  # smooth edges

    width, height, outline = read_png(archive.read("outline.png"))
    assert (width, height) == (32, 32)
    assert all(p[:3] == (255, 255, 255) or p[3] == 0 for p in outline)  # white or transparent
    assert outline[0][3] == 0 and any(p[3] == 255 for p in outline)


def test_without_a_client_id_it_says_what_to_set_and_writes_nothing(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env.delenv("TEAMS_CLIENT_ID")
    result = runner.invoke(app, ["teams", "package"])

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Setting TEAMS_CLIENT_ID is missing: set it to the Entra app registration's Application"
        " (client) ID, then run this again."
    ]
    assert not (tmp_path / "sendbot-teams.zip").exists()


def test_without_an_https_address_it_says_so(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("PUBLIC_URL", "http://sendbot.oakhill.example")
    result = runner.invoke(app, ["teams", "package"])

    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Setting PUBLIC_URL must be sendbot's https address")
    assert not (tmp_path / "sendbot-teams.zip").exists()


def test_a_client_id_that_is_not_a_guid_is_refused(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("TEAMS_CLIENT_ID", "sendbot")
    result = runner.invoke(app, ["teams", "package"])

    assert result.exit_code == 1 and "TEAMS_CLIENT_ID is not a GUID" in result.stderr
    assert not (tmp_path / "sendbot-teams.zip").exists()


def test_the_package_needs_no_client_secret(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The person who uploads the app in the Teams admin centre need not hold the secret."""
    env.delenv("TEAMS_CLIENT_SECRET", raising=False)
    env.delenv("TEAMS_TENANT_ID", raising=False)
    manifest, _archive, _out = package(tmp_path)
    assert manifest["bots"][0]["botId"] == BOT_ID
