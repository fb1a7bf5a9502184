"""Chat adapters: each renders Messages for its platform, sends them and parses presses."""
