"""Pure rules on plain values: no database, no network, no chat platform, no framework."""
