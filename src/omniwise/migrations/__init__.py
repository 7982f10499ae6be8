"""Alembic migrations for the data database (main) and the key store (keystore)."""
