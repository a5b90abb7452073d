"""Storage: the engine factory, the plain-SQL connection services use, and migrations."""
