"""Usage of the platform's own API and apps (notice 1c): events, and daily per-tenant rollups with no personal data."""
