"""Slack: Block Kit rendering and interaction payloads for the chat port."""
