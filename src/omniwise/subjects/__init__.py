"""Data subjects: the people whose personal data the platform holds, one key each."""
