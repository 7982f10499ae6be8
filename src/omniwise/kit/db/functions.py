"""SQL functions the platform needs on both databases, compiled for each."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from omniwise.kit.db.types import UTCDateTime


# lower case, like the SQL functions it stands for
class start_of_day(FunctionElement[Any]):
    """Midnight UTC of a UTC timestamp: an access time generalised to its day."""

    type = UTCDateTime()
    name = "start_of_day"
    inherit_cache = True


@compiles(start_of_day, "postgresql")
def _start_of_day_postgresql(element: start_of_day, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"(date_trunc('day', ({column}) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"


@compiles(start_of_day, "sqlite")
def _start_of_day_sqlite(element: start_of_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' text
    column = compiler.process(element.clauses, **kw)
    return f"(substr({column}, 1, 10) || ' 00:00:00.000000')"
