"""Cookies and tracking (notice 1d): the consent banner, and records that prove each choice."""
