"""Use cases: each takes a unit of work (a session) and plain values, and returns plain values."""
