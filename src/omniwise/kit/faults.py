"""Named crash points, so tests can kill a worker at an exact step and prove it resumes.

Honoured only when OMNIWISE_ENVIRONMENT is "test": in any other environment a fault
point is a no-op, whatever the variables say.
"""

from __future__ import annotations

import os

EXIT_CODE = 70


def fault_point(name: str) -> None:
    if os.environ.get("OMNIWISE_ENVIRONMENT") != "test":
        return
    if name in os.environ.get("OMNIWISE_FAULT_AT", "").split(","):
        os._exit(EXIT_CODE)  # like a kill -9: no cleanup, no commit
