"""The built-in local chat: direct messages kept in the database and shown on a web page."""
