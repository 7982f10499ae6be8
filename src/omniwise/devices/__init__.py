"""Device and network data (notice 1d): IP addresses and user agents, kept whole only for the policy period."""
