"""Database base classes, column types and the tenant-scoping helper."""

from omniwise.kit.db.base import Base, TimestampedMixin
from omniwise.kit.db.functions import start_of_day
from omniwise.kit.db.scope import tenant_scoped
from omniwise.kit.db.types import UTCDateTime

__all__ = ["Base", "TimestampedMixin", "UTCDateTime", "start_of_day", "tenant_scoped"]
