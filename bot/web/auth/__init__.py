"""Signing in to the web pages: school accounts, server-side sessions, form tokens."""

import warnings

from authlib.deprecate import AuthlibDeprecationWarning

# Authlib 1.9 prefers the new httpx2 package and warns at import when it finds only httpx, which
# it still fully supports. sendbot keeps httpx (pinned in the lock), so the warning would only
# clutter every command's output. Authlib turns its own warnings on when authlib.deprecate is
# imported, so this filter goes in after that and before any Authlib client module.
warnings.filterwarnings(
    "ignore", message="The httpx module is deprecated", category=AuthlibDeprecationWarning
)
