"""Tables, the engine and migrations: everything that touches the database."""
