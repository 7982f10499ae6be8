"""The `omniwise` command line."""

from omniwise.cli.main import main

__all__ = ["main"]
