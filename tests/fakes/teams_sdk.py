"""Point the Agents SDK and msal at the fake sign-in service, for the length of a with block.

Production code needs none of this: the SDK's AUTHORITY setting moves msal's token requests, but
two lookups have no setting, so tests redirect them here: in the test's own process with
`sdk_pointed_at(identity)`, in a `sendbot run` child process through tests/e2e/teams_launcher.py,
which calls `sdk_redirected` with the fake's address and CA file.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msal
import pytest
from jwt import PyJWKClient
from microsoft_agents.authentication.msal import msal_auth
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    JwtTokenValidator,
    _JwkClientCacheEntry,
    _JwkClientManager,
)

from tests.fakes.teams_identity import FakeIdentity
from tests.fakes.teams_tls import client_context


@contextlib.contextmanager
def sdk_pointed_at(identity: FakeIdentity) -> Iterator[list[str]]:
    """Point the Agents SDK's key lookup and msal's authority checks at the fake identity.

    Yields the JWKS addresses the SDK asked for (so a test can see which one it chose)."""
    with sdk_redirected(identity.base_url, identity.ca_file) as asked:
        yield asked


@contextlib.contextmanager
def sdk_redirected(base_url: str, ca_file: Path) -> Iterator[list[str]]:
    """Send the SDK's key lookups to `base_url` (the fake sign-in host) and trust `ca_file`.

    Yields the JWKS addresses the SDK asked for.
    - The SDK's JwtTokenValidator picks a JWKS URL from the token's issuer, all hard-coded
      (login.botframework.com/v1/.well-known/keys for the Bot Framework issuer, else
      login.microsoftonline.com/{tenant}/discovery/v2.0/keys): no setting moves it. Its
      class-level key-client cache is swapped for one that keeps the path and replaces the
      host with the fake's.
    - msal sends any authority host it does not know to login.microsoftonline.com for
      instance discovery (and again for aliases after a failed token request), and MsalAuth
      offers no way to turn that off: its ConfidentialClientApplication is swapped for a
      subclass that passes `instance_discovery=False`, msal's own switch for such hosts.
    - requests (under msal) is told to trust the fake's CA through REQUESTS_CA_BUNDLE.
    """
    asked: list[str] = []
    base_url = base_url.rstrip("/")

    class RedirectedKeys(_JwkClientManager):
        def _get_jwk_client(self, jwks_uri: str) -> _JwkClientCacheEntry:
            asked.append(jwks_uri)
            here = base_url + urlsplit(jwks_uri).path
            if here not in self._cache:
                client = PyJWKClient(here, ssl_context=client_context(ca_file))
                self._cache[here] = _JwkClientCacheEntry(client, threading.Lock())
            return self._cache[here]

    class NoInstanceDiscovery(msal.ConfidentialClientApplication):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, instance_discovery=False, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(JwtTokenValidator, "_jwk_client_manager", RedirectedKeys())
        patch.setattr(msal_auth, "ConfidentialClientApplication", NoInstanceDiscovery)
        patch.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
        yield asked
