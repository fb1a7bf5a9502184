"""The web app: dashboard pages, the local chat page, platform endpoints and /healthz."""
