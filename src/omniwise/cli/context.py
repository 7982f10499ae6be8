"""Building the runtime for a command, with configuration errors reported in one line."""

from __future__ import annotations

from omniwise.config import get_settings
from omniwise.runtime import Runtime, build_runtime


def runtime_for_command() -> Runtime:
    return build_runtime(get_settings())
