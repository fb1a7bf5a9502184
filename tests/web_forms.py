"""Filling in sendbot's forms from a test client, as a browser would: with the form token.

Works with FastAPI's TestClient and with httpx.Client against a running process alike.
"""

from __future__ import annotations

import re
from typing import Any

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(client: Any, page: str = "/sign-in") -> str:
    """The form token on a page (its forms carry the session's token)."""
    response = client.get(page)
    found = TOKEN.search(response.text)
    assert found, f"no form token on {page} ({response.status_code})"
    return found.group(1)


def arm(client: Any, page: str = "/sign-in") -> str:
    """Send this session's form token with every later request, as a page's forms would."""
    token = form_token(client, page)
    client.headers["x-csrf-token"] = token
    return token


def demo_sign_in(client: Any, staff_id: int) -> None:
    """Sign in through the demo's persona picker, then arm the new session's token."""
    client.headers.pop("x-csrf-token", None)
    token = form_token(client)
    response = client.post(
        "/sign-in/demo", data={"staff_id": staff_id, "next": "/", "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    arm(client, "/me")
