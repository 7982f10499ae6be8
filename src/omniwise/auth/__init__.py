"""Who is calling: API keys, roles, permissions and the tenant a caller may see."""
