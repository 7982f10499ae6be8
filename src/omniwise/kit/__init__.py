"""Building blocks shared by every domain: database base, crypto, clock."""
