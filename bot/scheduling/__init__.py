"""The scheduler's jobs: each tick calls one service."""
