"""Tenants: the businesses that use Omni Wise's apps (notice 1a, business details)."""
