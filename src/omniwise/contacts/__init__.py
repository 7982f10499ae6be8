"""Contacts: the people who represent a business to us (notice 1a, contact information)."""
