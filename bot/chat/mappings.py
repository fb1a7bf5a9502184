"""Reading nested platform payloads (Slack's, Teams') without a KeyError at every level."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def dig(data: Any, *keys: str) -> Any:
    """data[k1][k2]... or None when a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data
