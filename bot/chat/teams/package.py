"""The Teams app package: manifest.json and the two icons, zipped for the Teams admin centre.

Pure code and the standard library only: the manifest is a dict, the icons are PNGs drawn here
(zlib + struct) and the zip is built in memory; the command line writes it to a file.

- The manifest follows the app manifest schema v1.30 (the current version, August 2026): one
  bot, personal scope only, not notification-only (staff type commands and press buttons),
  with the commands sendbot answers listed for Teams' command menu.
- The manifest id is derived from the bot's client id (a name-based UUID), so packaging again
  gives the same id and an upload updates the app instead of adding a second one. It is not
  TEAMS_APP_ID: that is the id Teams gives the app in the school's catalogue when it is
  uploaded (Graph installs by that id), and Teams shows the manifest id as "External app ID".
- color.png is 192x192: a full-bleed square in the accent colour with a white speech bubble
  holding a tick, inside Teams' central safe area. outline.png is 32x32: the same bubble in
  white on a transparent background, the tick cut out, as Teams requires.
"""

from __future__ import annotations

import io
import json
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

MANIFEST_VERSION = "1.30"
SCHEMA_URL = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
    "MicrosoftTeams.schema.json"
)
ACCENT = (0x1F, 0x6F, 0x8B)  # a calm teal-blue; white reads well on it
COLOR_SIZE = 192
OUTLINE_SIZE = 32
MANIFEST_FILE, COLOR_FILE, OUTLINE_FILE = "manifest.json", "color.png", "outline.png"
# Any fixed namespace will do; changing it would change every school's manifest id.
APP_ID_NAMESPACE = uuid.UUID("5e4db07f-7ea3-4c1e-9d3a-2f0b8c6a91d4")
# The words sendbot answers in a 1:1 chat (bot.chat.teams.inbound), for Teams' command menu.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("help", "What sendbot can do for you"),
    ("me", "Your briefings, quiz answers and training targets"),
    ("team", "Your team's progress, if you manage a team"),
    ("brief", "Write a briefing for staff (the SENDCO only)"),
)
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class PackageError(ValueError):
    """A setting the package needs is missing or unusable; the text says what to set."""


def app_id_for(client_id: str) -> str:
    """The manifest id for a bot: always the same for the same client id."""
    return str(uuid.uuid5(APP_ID_NAMESPACE, client_id.strip().lower()))


def build_manifest(*, client_id: str, app_id: str, public_url: str, version: str) -> dict[str, Any]:
    """The manifest for sendbot's bot `client_id`, linking to sendbot at `public_url` (https)."""
    if not GUID.match(client_id):
        raise PackageError(
            "Setting TEAMS_CLIENT_ID is not a GUID: use the app registration's Application"
            " (client) ID, e.g. 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0."
        )
    if not GUID.match(app_id):
        raise PackageError(f"The app id {app_id!r} is not a GUID.")
    address = urlsplit(public_url)
    if address.scheme != "https" or not address.hostname:
        raise PackageError(
            f"Setting PUBLIC_URL must be sendbot's https address (now {public_url!r}): Teams"
            " sends every message there and the app links to it. Example:"
            " PUBLIC_URL=https://sendbot.school.org"
        )
    home = public_url.rstrip("/") + "/"
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id.lower(),
        "developer": {
            "name": "sendbot",
            "websiteUrl": home,
            "privacyUrl": home + "privacy",
            "termsOfUseUrl": home,
        },
        "name": {"short": "sendbot", "full": "sendbot: SEND training for school staff"},
        "description": {
            "short": "Short SEND briefings and quiz questions from your SENDCO, in chat.",
            "full": (
                "sendbot keeps your school's SEND training alive. Your SENDCO's short briefings"
                " about special educational needs and disabilities come to you as messages,"
                " with a Got it button, and on quiz days two or three questions, each followed"
                " at once by the right answer and why. It sends only on school days, inside"
                " school hours, and only on the days you work. Type help to see what it can do."
            ),
        },
        "icons": {"color": COLOR_FILE, "outline": OUTLINE_FILE},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": client_id.lower(),
                "scopes": ["personal"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [{"title": t, "description": d} for t, d in COMMANDS],
                    }
                ],
            }
        ],
        "validDomains": [address.hostname],
        # Graph lets the app install itself for staff (TeamsAppInstallation.ReadWriteSelfForUser
        # .All) only when this names its own app registration; the resource is a bot's form.
        "webApplicationInfo": {
            "id": client_id.lower(),
            "resource": f"api://botid-{client_id.lower()}",
        },
    }


def package_bytes(manifest: dict[str, Any]) -> bytes:
    """The zip Teams takes: manifest.json and both icons at the top level."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
        archive.writestr(COLOR_FILE, color_icon())
        archive.writestr(OUTLINE_FILE, outline_icon())
    return buffer.getvalue()


# --- Icons -------------------------------------------------------------------------------
# The mark is drawn in a unit box (x and y from 0 to 1): a rounded speech bubble with a tail at
# the lower left, and a tick inside it. Each pixel is sampled 4x4 times for smooth edges.
BUBBLE = (0.0, 0.0, 1.0, 0.76, 0.2)  # left, top, right, bottom, corner radius
TAIL = ((0.16, 0.7), (0.44, 0.7), (0.12, 0.98))
TICK = ((0.27, 0.4), (0.43, 0.55), (0.73, 0.24))
TICK_HALF_WIDTH = 0.075
SAMPLES = 4


def color_icon() -> bytes:
    """192x192, opaque: the accent colour with the white bubble, the tick in the accent."""
    box = (0.19, 0.2, 0.62)  # left, top, size: inside Teams' central 120x120 safe area
    coverage = _coverage(COLOR_SIZE, box)
    white = (255, 255, 255)
    pixels = [
        (*(round(a + (w - a) * c) for a, w in zip(ACCENT, white, strict=True)), 255)
        for c in coverage
    ]
    return png(COLOR_SIZE, COLOR_SIZE, pixels)


def outline_icon() -> bytes:
    """32x32: the bubble in white on transparent, the tick cut out (white and alpha only)."""
    coverage = _coverage(OUTLINE_SIZE, (0.03, 0.02, 0.94))
    return png(OUTLINE_SIZE, OUTLINE_SIZE, [(255, 255, 255, round(255 * c)) for c in coverage])


def _coverage(size: int, box: tuple[float, float, float]) -> list[float]:
    """Row by row, the share of each pixel covered by the mark placed in `box`."""
    left, top, scale = box
    inside = _mark()
    steps = [(i + 0.5) / SAMPLES for i in range(SAMPLES)]
    out = []
    for row in range(size):
        for col in range(size):
            hits = sum(
                inside(((col + sx) / size - left) / scale, ((row + sy) / size - top) / scale)
                for sy in steps
                for sx in steps
            )
            out.append(hits / SAMPLES**2)
    return out


def _mark() -> Callable[[float, float], bool]:
    left, top, right, bottom, radius = BUBBLE

    def in_bubble(x: float, y: float) -> bool:
        nx = min(max(x, left + radius), right - radius)
        ny = min(max(y, top + radius), bottom - radius)
        return (x - nx) ** 2 + (y - ny) ** 2 <= radius**2

    def in_tail(x: float, y: float) -> bool:
        (ax, ay), (bx, by), (cx, cy) = TAIL
        d1 = (x - bx) * (ay - by) - (ax - bx) * (y - by)
        d2 = (x - cx) * (by - cy) - (bx - cx) * (y - cy)
        d3 = (x - ax) * (cy - ay) - (cx - ax) * (y - ay)
        return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))

    def in_tick(x: float, y: float) -> bool:
        return any(_distance_to_segment(x, y, a, b) <= TICK_HALF_WIDTH for a, b in pairwise(TICK))

    return lambda x, y: (in_bubble(x, y) or in_tail(x, y)) and not in_tick(x, y)


def _distance_to_segment(
    x: float, y: float, a: tuple[float, float], b: tuple[float, float]
) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return float(((x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2) ** 0.5)


def png(width: int, height: int, pixels: list[tuple[int, ...]]) -> bytes:
    """An 8-bit RGBA PNG of `pixels` (row by row, each (r, g, b, a))."""
    rows = b"".join(
        b"\x00" + bytes(v for p in pixels[r * width : (r + 1) * width] for v in p)
        for r in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )
