"""A fake OpenID Connect provider on loopback, speaking the wire format of the real ones.

    with FakeOidcProvider("microsoft") as idp:
        idp.add_account("ana@oakhill.example", oid="...", tid=idp.tenant_id)
        idp.register_redirect("http://127.0.0.1:8000/auth/callback")

Flavours model the providers sendbot has presets for; each takes client authentication the way
that provider does and puts the claims that provider puts in its ID tokens:
- microsoft: issuer /{tenant}/v2.0 (Entra ID v2.0, single tenant), `tid`, `oid`,
  `preferred_username`, a pairwise `sub`; client_secret_post or basic; AADSTS error bodies;
- google: issuer at the root, `email_verified`, `hd` for Workspace accounts;
- slack: Sign in with Slack: `https://slack.com/team_id`; its token endpoint (like the rest of
  Slack's Web API) answers HTTP 200 with `ok: false` and an error code;
- oidc: a standards-only provider (client_secret_basic).

Endpoints: GET {issuer}/.well-known/openid-configuration; GET /keys (JWKS, with rotation);
GET /authorize (a small sign-in page: an email box, Sign in and Cancel); POST /authorize
(redirects back with code and state, or error=access_denied); POST /token (code once, the same
redirect_uri, PKCE S256 checked); GET /userinfo (bearer).

Faults: `down` closes every connection unanswered; `garbage` answers an endpoint with a page
that is not JSON; `tamper` changes claims of the next ID tokens (another nonce, audience,
issuer, an expired token); `forge` signs with a key the JWKS does not publish.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
import uuid
from typing import Any
from urllib.parse import unquote_plus, urlencode

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.recording import RecordingFake
from tests.fakes.teams_http import Body, LoopbackServer, Reply, Request

FLAVOURS = ("microsoft", "google", "slack", "oidc")
CODE_LIFETIME = 600  # seconds; providers keep codes for minutes at most


class _Key:
    def __init__(self) -> None:
        self.kid = f"k-{uuid.uuid4().hex[:10]}"
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> Body:
        key: Body = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return key | {"kid": self.kid, "use": "sig", "alg": "RS256"}


class FakeOidcProvider(RecordingFake):
    """One provider, one registered client, and the accounts that may sign in there."""

    def __init__(
        self,
        flavour: str = "oidc",
        *,
        client_id: str = "sendbot-client-0001",
        client_secret: str = "sendbot-client-secret-for-tests",
        tenant_id: str = "6f1c2a3b-0000-4000-8000-00000000cafe",
    ) -> None:
        super().__init__()
        assert flavour in FLAVOURS, flavour
        self.flavour = flavour
        self.client_id, self.client_secret, self.tenant_id = client_id, client_secret, tenant_id
        self.accounts: dict[str, Body] = {}
        self.redirect_uris: set[str] = set()
        self._keys = [_Key()]  # the first signs; the others are still published
        self._forger = _Key()
        self._codes: dict[str, Body] = {}
        self._access: dict[str, Body] = {}
        self.down = False
        self.garbage: set[str] = set()
        self.tamper: Body = {}
        self.forge = False
        self._server: LoopbackServer | None = None

    # --- lifecycle and addresses ---------------------------------------------------------

    def start(self) -> None:
        self._server = LoopbackServer(self.handle)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        self._server = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeOidcProvider is not running; use it in a with block")
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def authority(self) -> str:
        """For the microsoft flavour: what TEAMS_AUTHORITY would be (login.microsoftonline.com)."""
        return self.base_url

    @property
    def issuer(self) -> str:
        if self.flavour == "microsoft":
            return f"{self.base_url}/{self.tenant_id}/v2.0"
        return self.base_url

    # --- what the tests set up -------------------------------------------------------------

    def register_redirect(self, uri: str) -> None:
        with self._lock:
            self.redirect_uris.add(uri)

    def add_account(self, login: str, **claims: Any) -> Body:
        """An account that can sign in with `login`; claims as this provider would give them."""
        subject = claims.pop("sub", None) or f"sub-{uuid.uuid4().hex[:16]}"
        base: Body = {"sub": subject, "email": login}
        if self.flavour == "microsoft":
            base = {
                "sub": subject,
                "oid": claims.pop("oid", str(uuid.uuid4())),
                "tid": claims.pop("tid", self.tenant_id),
                "preferred_username": login,
                "name": login.split("@")[0].replace(".", " ").title(),
            }
        elif self.flavour in ("google", "slack"):
            base["email_verified"] = True
        account = base | claims
        with self._lock:
            self.accounts[login.casefold()] = account
        return account

    def rotate_keys(self, keep_old: bool = True) -> None:
        """A new signing key; the old one stays published (as providers do for a while) or not."""
        with self._lock:
            self._keys = [_Key(), *(self._keys if keep_old else [])]

    def requests_to(self, endpoint: str) -> int:
        with self._lock:
            return self._calls[endpoint]

    # --- a browser's part, for tests without one -------------------------------------------

    def sign_in(self, authorize_url: str, login: str, cancel: bool = False) -> str:
        """Open the sign-in page at `authorize_url`, sign in as `login` (or press Cancel), and
        return where the provider redirects the browser back to."""
        with httpx.Client(timeout=10) as http:
            page = http.get(authorize_url)
            assert page.status_code == 200, page.text
            form = {name: html.unescape(value) for name, value in _hidden_inputs(page.text)} | {
                "login": login,
                "action": "cancel" if cancel else "sign_in",
            }
            answer = http.post(f"{self.base_url}/authorize", data=form)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    # --- serving ---------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply | None:
        if self.down:
            return None
        path = request.path
        endpoint = {
            f"{self.issuer.removeprefix(self.base_url)}/.well-known/openid-configuration": (
                "discovery"
            ),
            "/keys": "keys",
            "/authorize": "authorize",
            "/token": "token",
            "/userinfo": "userinfo",
        }.get(path, "unknown")
        with self._lock:
            self._calls[endpoint] += 1
        if endpoint in self.garbage:
            return 200, {"Content-Type": "text/html"}, b"<html><body>Service unavailable</body>"
        if endpoint == "discovery":
            return 200, {}, self._discovery()
        if endpoint == "keys":
            with self._lock:
                return 200, {}, {"keys": [key.jwk() for key in self._keys]}
        if endpoint == "authorize":
            return (
                self._authorize_page(request)
                if request.method == "GET"
                else self._signed_in(request)
            )
        if endpoint == "token" and request.method == "POST":
            return self._token(request)
        if endpoint == "userinfo":
            claims = self._access.get(request.bearer or "")
            return (200, {}, claims) if claims else (401, {}, {"error": "invalid_token"})
        return 404, {}, {"error": "not_found"}

    def _discovery(self) -> Body:
        methods = {
            "oidc": ["client_secret_basic"],
            "slack": ["client_secret_post", "client_secret_basic"],
        }.get(self.flavour, ["client_secret_post", "client_secret_basic"])
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token",
            "userinfo_endpoint": f"{self.base_url}/userinfo",
            "jwks_uri": f"{self.base_url}/keys",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise" if self.flavour == "microsoft" else "public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": methods,
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email"],
        }

    def _authorize_page(self, request: Request) -> Reply:
        query = request.query
        if query.get("client_id") != self.client_id:
            return _page(400, "AADSTS700016: Application not found in the directory.")
        if query.get("redirect_uri") not in self.redirect_uris:
            return _page(400, "redirect_uri_mismatch: the redirect URI is not registered.")
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return _page(400, "unsupported_response_type or a scope without openid.")
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        body = (
            "<!doctype html><html lang='en'><head><title>Sign in</title></head><body>"
            "<h1>Sign in</h1><form method='post' action='/authorize'>"
            f"{hidden}<label for='login'>Email</label> <input id='login' name='login'>"
            "<button name='action' value='sign_in'>Sign in</button> "
            "<button name='action' value='cancel'>Cancel</button></form></body></html>"
        )
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()

    def _signed_in(self, request: Request) -> Reply:
        form = request.form()
        redirect, state = form.get("redirect_uri", ""), form.get("state", "")
        if redirect not in self.redirect_uris:
            return _page(400, "redirect_uri_mismatch")
        if form.get("action") == "cancel":
            back = {
                "error": "access_denied",
                "error_description": "The user cancelled.",
                "state": state,
            }
            return 302, {"Location": f"{redirect}?{urlencode(back)}"}, None
        with self._lock:
            account = self.accounts.get(form.get("login", "").strip().casefold())
        if account is None:
            return _page(200, "We could not find that account.")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {
                "account": account,
                "redirect_uri": redirect,
                "nonce": form.get("nonce"),
                "challenge": form.get("code_challenge"),
                "method": form.get("code_challenge_method"),
                "at": time.time(),
            }
        return 302, {"Location": f"{redirect}?{urlencode({'code': code, 'state': state})}"}, None

    def _token(self, request: Request) -> Reply:
        form = request.form()
        client_id, secret = _client_credentials(request, form)
        if self.flavour == "oidc" and "client_secret" in form:
            secret = ""  # this provider takes client_secret_basic only, as it advertises
        if client_id != self.client_id:
            return self._error(400, "invalid_client", "invalid_client_id", 700016)
        if secret != self.client_secret:
            return self._error(401, "invalid_client", "bad_client_secret", 7000215)
        if form.get("grant_type") != "authorization_code":
            return self._error(400, "unsupported_grant_type", "invalid_grant_type", 70003)
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or time.time() - grant["at"] > CODE_LIFETIME:
            return self._error(400, "invalid_grant", "invalid_code", 9002313)
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._error(400, "invalid_grant", "bad_redirect_uri", 50011)
        if grant["challenge"] and not _pkce_ok(form.get("code_verifier", ""), grant):
            return self._error(400, "invalid_grant", "invalid_code_verifier", 501481)
        id_token = self._id_token(grant["account"], grant["nonce"])
        access = secrets.token_urlsafe(24)
        with self._lock:
            self._access[access] = dict(grant["account"])
        body: Body = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 3599,
            "scope": "openid email profile",
            "id_token": id_token,
        }
        return (
            200,
            {"Cache-Control": "no-store"},
            ({"ok": True} | body if self.flavour == "slack" else body),
        )

    def _id_token(self, account: Body, nonce: str | None) -> str:
        now = int(time.time())
        claims: Body = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "nbf": now - 5,
            "exp": now + 3600,
            **account,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if self.flavour == "slack":
            claims["auth_time"] = now
        claims |= self.tamper
        with self._lock:
            key = self._forger if self.forge else self._keys[0]
            if self.forge:
                key.kid = self._keys[0].kid  # a forger copies the key id too
        return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})

    def _error(self, status: int, error: str, slack_error: str, aadsts: int) -> Reply:
        """The provider's own shape of a token endpoint error."""
        if self.flavour == "slack":
            return 200, {}, {"ok": False, "error": slack_error}
        body: Body = {"error": error, "error_description": f"{error}: the request was refused."}
        if self.flavour == "microsoft":
            body |= {
                "error_description": f"AADSTS{aadsts}: the request was refused.",
                "error_codes": [aadsts],
            }
        return status, {}, body


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        decoded = base64.b64decode(header[6:]).decode()
        client_id, _, secret = decoded.partition(":")
        return unquote_plus(client_id), unquote_plus(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def _pkce_ok(verifier: str, grant: Body) -> bool:
    if grant["method"] != "S256":
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == grant["challenge"]


def _hidden_inputs(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)


def _page(status: int, text: str) -> Reply:
    body = f"<!doctype html><html><body><p>{html.escape(text)}</p></body></html>"
    return status, {"Content-Type": "text/html; charset=utf-8"}, body.encode()
