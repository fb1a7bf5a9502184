"""A fake Microsoft sign-in on loopback: Entra's token endpoint and the Bot Framework's keys.

    with FakeIdentity() as identity, sdk_pointed_at(identity):   # teams_sdk.py
        token = identity.inbound_token(service_url)       # what Teams puts on /api/messages
        config = AgentAuthConfiguration(client_id=identity.client_id, tenant_id=identity.tenant_id,
                                        client_secret=identity.client_secret,
                                        authority=identity.authority)

One RSA key pair is made at start and signs everything: inbound activity tokens (issuer
https://api.botframework.com, audience our client id, a `serviceurl` claim, nbf and exp) and the
access tokens the token endpoint gives our app (issuer https://sts.windows.net/{tenant}/, audience
the resource asked for, `appid`, `tid`, `roles`). A second key pair, never published, forges.

It serves over TLS (msal accepts only https authorities), with a CA made at start in `ca_file`:
- GET  /v1/.well-known/openidconfiguration     the Bot Framework's OpenID metadata
- GET  /v1/.well-known/keys                    its JWKS (also /{tenant}/discovery/v2.0/keys)
- GET  /common/discovery/instance              msal's instance discovery
- GET  /{tenant}/v2.0/.well-known/openid-configuration   the authority's metadata
- POST /{tenant}/oauth2/v2.0/token             client credentials; a wrong secret gets 401

The SDK fetches signing keys from fixed Microsoft URLs and msal looks up unknown authority hosts
at login.microsoftonline.com; `teams_sdk.sdk_pointed_at(identity)` points both at this fake.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.recording import RecordingFake
from tests.fakes.teams_http import Body, LoopbackServer, Reply, Request
from tests.fakes.teams_tls import make_tls_files, server_context

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_AUDIENCE = "https://api.botframework.com"  # the connector's resource
GRAPH_AUDIENCE = "https://graph.microsoft.com"
# The least privilege that lets an app install itself for a person (Graph checks that the app
# installed is the caller's own, by its manifest's webApplicationInfo id); the broader
# ReadWriteForUser.All lets it install any app.
GRAPH_INSTALL_ROLE = "TeamsAppInstallation.ReadWriteSelfForUser.All"
GRAPH_INSTALL_ANY_ROLE = "TeamsAppInstallation.ReadWriteForUser.All"
GRAPH_USER_READ_ROLE = "User.Read.All"


def _aad_error(status: int, error: str, code: int, description: str) -> Reply:
    """Entra's error body: error, error_description starting AADSTSnnnn, error_codes."""
    body: Body = {
        "error": error,
        "error_description": f"AADSTS{code}: {description}",
        "error_codes": [code],
    }
    return status, {}, body


class FakeIdentity(RecordingFake):
    """One tenant's sign-in service and the Bot Framework's signing keys; a context manager."""

    def __init__(
        self,
        *,
        tenant_id: str = "72f988bf-0000-4000-8000-00000000e5e1",
        client_id: str = "5e1db07a-0000-4000-8000-00000000b071",
        client_secret: str = "fake-secret-for-sendbot",
        roles: tuple[str, ...] = (GRAPH_INSTALL_ROLE, GRAPH_USER_READ_ROLE),
        token_lifetime: int = 3599,
    ) -> None:
        super().__init__()
        self.tenant_id, self.client_id, self.client_secret = tenant_id, client_id, client_secret
        self.token_lifetime = token_lifetime
        self.key_id = f"fake-{uuid.uuid4().hex[:12]}"  # new per fake: cached keys never match
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._apps: dict[str, tuple[str, tuple[str, ...]]] = {client_id: (client_secret, roles)}
        # Resources whose tokens carry the app's Graph roles: Graph, and any fake Graph's root.
        self.graph_audiences: set[str] = {GRAPH_AUDIENCE}
        self._folder: Path | None = None
        self._server: LoopbackServer | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Make the TLS files and listen on a free loopback port."""
        self._folder = Path(tempfile.mkdtemp(prefix="fake-identity-"))
        self.ca_file, cert_file, key_file = make_tls_files(self._folder)
        self._server = LoopbackServer(self.handle, tls=server_context(cert_file, key_file))

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        self._server = self._folder = None

    @property
    def base_url(self) -> str:
        """https://127.0.0.1:{port}, the stand-in for login.microsoftonline.com and friends."""
        if self._server is None:
            raise RuntimeError("FakeIdentity is not running; use it in a with block")
        return f"https://127.0.0.1:{self._server.port}"

    @property
    def authority(self) -> str:
        """The sign-in authority for msal and the SDK's AUTHORITY setting."""
        return f"{self.base_url}/{self.tenant_id}"

    @property
    def openid_metadata_url(self) -> str:
        """The Bot Framework's OpenID metadata document, here."""
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/keys"

    @property
    def instance_discovery_url(self) -> str:
        """For msal's `instance_discovery=` when the authority host is not one it knows."""
        return f"{self.base_url}/common/discovery/instance"

    # --- apps and what happened ----------------------------------------------------------------

    def register_app(self, client_id: str, secret: str, roles: tuple[str, ...] = ()) -> None:
        """Another app registration in the tenant (with the Graph roles an admin consented)."""
        with self._lock:
            self._apps[client_id] = (secret, roles)

    # --- tokens --------------------------------------------------------------------------------

    def add_graph_audience(self, resource: str) -> None:
        """Treat tokens for `resource` (a fake Graph's root, as sendbot asks for Graph's host)
        as Graph tokens, with the app's Graph roles."""
        with self._lock:
            self.graph_audiences.add(resource)

    def inbound_token(
        self,
        service_url: str,
        *,
        audience: str | None = None,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        lifetime: int = 3600,
        age: int = 0,
        forged: bool = False,
        extra: Body | None = None,
    ) -> str:
        """A token as the Bot Framework puts on an activity it posts to the bot."""
        now = int(time.time()) - age
        claims: Body = {
            "serviceurl": service_url,
            "nbf": now - 5,
            "iat": now,
            "exp": now + lifetime,
            "iss": issuer,
            "aud": audience if audience is not None else self.client_id,
        } | (extra or {})
        return self._sign(claims, forged=forged)

    def forged_token(self, service_url: str) -> str:
        """Right claims, signed by a key the JWKS does not publish (the same key id)."""
        return self.inbound_token(service_url, forged=True)

    def expired_token(self, service_url: str) -> str:
        """Expired ten minutes ago: beyond the SDK's five minutes of clock leeway."""
        return self.inbound_token(service_url, lifetime=3600, age=3600 + 600)

    def wrong_audience_token(self, service_url: str) -> str:
        """Meant for another bot."""
        return self.inbound_token(service_url, audience="00000000-0000-4000-8000-0000000000aa")

    def wrong_issuer_token(self, service_url: str) -> str:
        """Signed with the right key but claiming another issuer."""
        return self.inbound_token(service_url, issuer="https://issuer.example/")

    def access_token(self, client_id: str, resource: str) -> str:
        """An app-only access token like Entra's v1 tokens for this client and resource."""
        now = int(time.time())
        roles = self._apps.get(client_id, ("", ()))[1] if resource in self.graph_audiences else ()
        claims: Body = {
            "aud": resource,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now - 5,
            "exp": now + self.token_lifetime,
            "appid": client_id,
            "tid": self.tenant_id,
            "ver": "1.0",
        }
        if roles:
            claims["roles"] = list(roles)
        return self._sign(claims)

    def verify_access_token(self, token: str | None, audience: str | list[str]) -> Body | None:
        """The claims of an access token this fake issued for `audience` (or any of a list)."""
        if not token:
            return None
        try:
            return jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                audience=audience,
                issuer=f"https://sts.windows.net/{self.tenant_id}/",
            )
        except jwt.PyJWTError:
            return None

    def jwks(self) -> Body:
        """The published signing keys, as the Bot Framework publishes them."""
        key: Body = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        key |= {"kid": self.key_id, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]}
        return {"keys": [key]}

    def _sign(self, claims: Body, forged: bool = False) -> str:
        key = self._forger if forged else self._key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.key_id})

    # --- serving -------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply | None:
        """The reply to one request."""
        parts = [p for p in request.path.split("/") if p]
        endpoint, reply = self._route(request, parts)
        with self._lock:
            self._calls[endpoint] += 1
        return reply

    def _route(self, request: Request, parts: list[str]) -> tuple[str, Reply]:
        if parts == ["v1", ".well-known", "openidconfiguration"]:
            return "metadata", (200, {}, self._bot_framework_metadata())
        if parts in (["v1", ".well-known", "keys"], [self.tenant_id, "discovery", "v2.0", "keys"]):
            return "keys", (200, {}, self.jwks())
        if parts == ["common", "discovery", "instance"]:
            return "instance_discovery", (200, {}, self._instance_discovery())
        if len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            if parts[0] != self.tenant_id:
                return "authority_metadata", _aad_error(
                    400, "invalid_tenant", 90002, f"Tenant '{parts[0]}' not found."
                )
            return "authority_metadata", (200, {}, self._authority_metadata())
        if (
            len(parts) == 4
            and parts[1:] == ["oauth2", "v2.0", "token"]
            and request.method == "POST"
        ):
            return "token", self._token(parts[0], request.form())
        return "unknown", (404, {}, {"error": "not_found"})

    def _bot_framework_metadata(self) -> Body:
        return {
            "issuer": BOT_FRAMEWORK_ISSUER,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": self.jwks_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def _authority_metadata(self) -> Body:
        base = self.authority
        return {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "response_types_supported": ["code", "id_token", "token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "EU",
        }

    def _instance_discovery(self) -> Body:
        return {
            "tenant_discovery_endpoint": f"{self.authority}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [
                {
                    "preferred_network": "127.0.0.1",
                    "preferred_cache": "127.0.0.1",
                    "aliases": ["127.0.0.1"],
                }
            ],
        }

    def _token(self, tenant: str, form: dict[str, str]) -> Reply:
        if tenant != self.tenant_id:
            return _aad_error(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return _aad_error(
                400, "unsupported_grant_type", 70003, "The grant type is not supported."
            )
        client_id = form.get("client_id", "")
        with self._lock:
            app = self._apps.get(client_id)
        if app is None:
            return _aad_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory.",
            )
        if form.get("client_secret") != app[0]:
            return _aad_error(401, "invalid_client", 7000215, "Invalid client secret provided.")
        scopes = form.get("scope", "").split()
        resources = {s.removesuffix("/.default") for s in scopes if s.endswith("/.default")}
        if len(resources) != 1:
            return _aad_error(
                400,
                "invalid_scope",
                1002012,
                "The provided value for scope is not valid. Client "
                "credential flows must have a scope value with /.default suffixed.",
            )
        token = self.access_token(client_id, resources.pop())
        return (
            200,
            {},
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": token,
            },
        )
