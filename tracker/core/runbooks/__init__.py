"""Runbooks as files (front matter, safe paths, atomic saves, staleness, secrets) and their index in the database."""
