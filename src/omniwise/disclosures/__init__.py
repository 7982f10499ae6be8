"""The disclosure gate: every send of personal data to a recipient is checked and recorded (notice 3 and 6)."""
