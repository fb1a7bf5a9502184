"""The school's sign-in provider, from the WEB_SIGN_IN settings, as an Authlib OpenID client.

Authlib runs the authorisation-code flow with PKCE (S256), state and nonce, and checks the ID
token (signature from the provider's JWKS, issuer, audience, expiry, nonce); the school's own
rules (tenant, domain, workspace, claim) are `bot.domain.sign_in.admit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App

from bot.config import Settings
from bot.domain.sign_in import PROVIDER_NAMES, Provider

# Answers slower than this count as the provider being down.
TIMEOUT_SECONDS = 10
CALLBACK_PATH = "/auth/callback"


@dataclass(frozen=True)
class SignInProvider:
    """Everything sendbot needs to send a person to sign in and to check what comes back."""

    kind: Provider
    issuer: str
    client_id: str
    client_secret: str
    allowed: frozenset[str]
    claim: str | None
    redirect_uri: str
    # Extra parameters for the authorisation request (a hint only; the claims are checked).
    hints: dict[str, str] = field(default_factory=dict)
    # Issuer values the ID token may carry; empty means exactly the discovery document's.
    issuers: tuple[str, ...] = ()
    token_auth_method: str = "client_secret_basic"

    @property
    def name(self) -> str:
        return PROVIDER_NAMES[self.kind]

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def client(self) -> StarletteOAuth2App:
        """A new Authlib client; it loads the discovery document and keys when first used."""
        oauth = OAuth()
        oauth.register(
            name="school",
            client_id=self.client_id,
            client_secret=self.client_secret,
            server_metadata_url=self.metadata_url,
            client_kwargs={
                "scope": "openid email profile",
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": self.token_auth_method,
                "timeout": TIMEOUT_SECONDS,
            },
        )
        return oauth.create_client("school")  # type: ignore[no-any-return]

    @property
    def claims_options(self) -> dict[str, object] | None:
        return {"iss": {"values": list(self.issuers)}} if self.issuers else None


def sign_in_provider(settings: Settings) -> SignInProvider | None:
    """The provider WEB_SIGN_IN names (settings already checked by load_settings), or None."""
    if settings.web_sign_in == "none":
        return None
    kind = Provider(settings.web_sign_in)
    allowed = settings.sign_in_allowed_values
    secret = settings.web_sign_in_client_secret
    issuer, hints, issuers, method = _preset(kind, settings, allowed)
    return SignInProvider(
        kind=kind,
        issuer=(settings.web_sign_in_issuer or issuer).rstrip("/"),
        client_id=settings.web_sign_in_client_id or "",
        client_secret=secret.get_secret_value() if secret else "",
        allowed=allowed,
        claim=settings.web_sign_in_claim,
        redirect_uri=settings.base_url + CALLBACK_PATH,
        hints=hints,
        issuers=issuers if not settings.web_sign_in_issuer else (),
        token_auth_method=method,
    )


def _preset(
    kind: Provider, settings: Settings, allowed: frozenset[str]
) -> tuple[str, dict[str, str], tuple[str, ...], str]:
    """Issuer, authorisation hints, accepted issuer values and client authentication."""
    if kind is Provider.MICROSOFT:
        # Single tenant, on the configured cloud: {authority}/{tenant}/v2.0.
        (tenant,) = allowed
        return f"{settings.teams_authority.rstrip('/')}/{tenant}/v2.0", {}, (), "client_secret_post"
    if kind is Provider.GOOGLE:
        hints = {"hd": next(iter(allowed))} if len(allowed) == 1 else {}
        # Google documents both forms of its issuer in ID tokens.
        issuers = ("https://accounts.google.com", "accounts.google.com")
        return "https://accounts.google.com", hints, issuers, "client_secret_post"
    if kind is Provider.SLACK:
        hints = {"team": next(iter(allowed))} if len(allowed) == 1 else {}
        return "https://slack.com", hints, (), "client_secret_post"
    return settings.web_sign_in_issuer or "", {}, (), "client_secret_basic"
