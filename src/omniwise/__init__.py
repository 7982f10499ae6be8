"""Omni Wise platform."""
