"""The privacy notice as code."""
