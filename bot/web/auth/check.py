"""`sendbot sign-in check`: is the sign-in provider reachable and does it know sendbot?

It reads the provider's discovery document and signing keys, then asks the token endpoint to
redeem a made-up code: a provider checks the client before the code (RFC 6749, 5.2), so
"unknown client" means a wrong client id or secret, and "bad code" means they are right.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bot.web.auth.provider import TIMEOUT_SECONDS, SignInProvider

# Token endpoint error codes that mean the client id or secret is wrong: OAuth's own and
# Microsoft's, and Sign in with Slack's (an HTTP 200 with ok false).
WRONG_CLIENT = {
    "invalid_client",
    "unauthorized_client",
    "invalid_client_id",
    "bad_client_secret",
}
BAD_CODE = {"invalid_grant", "invalid_code", "code_already_used", "invalid_request"}


@dataclass(frozen=True)
class Finding:
    ok: bool
    text: str


def check_provider(provider: SignInProvider) -> list[Finding]:
    """Each thing checked, in order; it stops at the first that makes the rest pointless."""
    found: list[Finding] = []
    with httpx.Client(timeout=TIMEOUT_SECONDS) as http:
        metadata = _json(http, "GET", provider.metadata_url, found, "discovery document")
        if metadata is None:
            return found
        issuer = metadata.get("issuer")
        if issuer != provider.issuer and issuer not in provider.issuers:
            found.append(
                Finding(
                    False,
                    f"The discovery document names the issuer {issuer!r}, not"
                    f" {provider.issuer!r}: check WEB_SIGN_IN_ISSUER"
                    + (" and the tenant id" if provider.kind.value == "microsoft" else "")
                    + ".",
                )
            )
            return found
        found.append(Finding(True, f"The provider answers at {provider.issuer}."))
        missing = [
            name
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")
            if not isinstance(metadata.get(name), str)
        ]
        if missing:
            found.append(Finding(False, f"The discovery document lacks {', '.join(missing)}."))
            return found
        keys = _json(http, "GET", metadata["jwks_uri"], found, "signing keys")
        if keys is None:
            return found
        if not isinstance(keys.get("keys"), list) or not keys["keys"]:
            found.append(Finding(False, "The provider publishes no signing keys."))
            return found
        found.append(Finding(True, f"It publishes {len(keys['keys'])} signing key(s)."))
        found.append(_client_check(http, provider, metadata["token_endpoint"]))
    found.append(
        Finding(
            True,
            f"Register this redirect URI with the provider: {provider.redirect_uri}"
            " (it must match exactly, https:// outside this computer).",
        )
    )
    return found


def _json(
    http: httpx.Client, method: str, url: str, found: list[Finding], what: str
) -> dict | None:
    try:
        response = http.request(method, url)
        response.raise_for_status()
        body = response.json()
    except httpx.HTTPStatusError as exc:
        found.append(Finding(False, f"The {what} at {url} answered {exc.response.status_code}."))
        return None
    except httpx.HTTPError as exc:
        found.append(Finding(False, f"Could not reach the {what} at {url} ({type(exc).__name__})."))
        return None
    except ValueError:
        found.append(Finding(False, f"The {what} at {url} is not JSON."))
        return None
    if not isinstance(body, dict):
        found.append(Finding(False, f"The {what} at {url} is not a JSON object."))
        return None
    return body


def _client_check(http: httpx.Client, provider: SignInProvider, token_url: str) -> Finding:
    form = {
        "grant_type": "authorization_code",
        "code": "sendbot-sign-in-check",
        "redirect_uri": provider.redirect_uri,
        "code_verifier": "sendbot-sign-in-check-" + "0" * 30,
    }
    auth = None
    if provider.token_auth_method == "client_secret_basic":
        auth = (provider.client_id, provider.client_secret)
    else:
        form |= {"client_id": provider.client_id, "client_secret": provider.client_secret}
    try:
        response = http.post(token_url, data=form, auth=auth)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return Finding(False, f"The token endpoint {token_url} did not answer in JSON.")
    error = str(body.get("error", "")) if isinstance(body, dict) else ""
    if error in WRONG_CLIENT:
        return Finding(
            False,
            "The provider does not accept the client id and secret: check"
            " WEB_SIGN_IN_CLIENT_ID and WEB_SIGN_IN_CLIENT_SECRET (a secret may have expired).",
        )
    if error in BAD_CODE:
        return Finding(True, "The provider accepts sendbot's client id and secret.")
    return Finding(False, f"The token endpoint gave an unexpected answer ({error or 'no error'}).")
