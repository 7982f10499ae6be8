"""The one helper through which every tenant-owned query is scoped."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import Select

SelectT = TypeVar("SelectT", bound=Select[Any])


def tenant_scoped(statement: SelectT, model: Any, tenant_id: uuid.UUID) -> SelectT:
    """Restrict a select on a tenant-owned model to one tenant.

    Repositories call this for every query on tenant data, so that an id that belongs
    to another tenant is simply not found (404), never read.
    """
    column = getattr(model, "tenant_id", None)
    if column is None:
        raise TypeError(f"{model!r} has no tenant_id column; it cannot be tenant-scoped")
    return statement.where(column == tenant_id)
