"""Retention: policy-driven sweeps that delete or anonymise what is past its period, legal holds, run records."""
