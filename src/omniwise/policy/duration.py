"""ISO 8601 durations for retention periods and deadlines: parsed, compared, added, read aloud."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

# Retention and legal deadlines are counted in calendar units; hours would only invite
# periods that no law or notice uses, so the time part is refused.
_PATTERN = re.compile(r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_DAYS_PER_YEAR = 365.2425
_DAYS_PER_MONTH = _DAYS_PER_YEAR / 12

When = TypeVar("When", date, datetime)


class DurationError(ValueError):
    """Text that is not an ISO 8601 duration of years, months, weeks and days."""


@dataclass(frozen=True)
class Duration:
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _PATTERN.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise DurationError("not an ISO 8601 duration of years, months, weeks or days, such as P3Y, P6M or P30D")
        years, months, weeks, days = (int(part) if part else 0 for part in match.groups())
        duration = cls(years, months, weeks, days)
        if duration.approx_days() == 0:
            raise DurationError("a duration of zero; name a real period, such as P30D")
        return duration

    def iso(self) -> str:
        parts = [(self.years, "Y"), (self.months, "M"), (self.weeks, "W"), (self.days, "D")]
        return "P" + "".join(f"{n}{unit}" for n, unit in parts if n)

    def approx_days(self) -> float:
        """Length in days, with average years and months: enough to say which is longer."""
        return self.years * _DAYS_PER_YEAR + self.months * _DAYS_PER_MONTH + self.weeks * 7 + self.days

    def after(self, start: When) -> When:
        """The moment this long after `start`, counting whole calendar months (31 Jan + P1M = 28/29 Feb)."""
        month_index = start.month - 1 + self.months + 12 * self.years
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return start.replace(year=year, month=month, day=day) + timedelta(days=7 * self.weeks + self.days)

    def words(self) -> str:
        """Plain English: 'P1Y6M' -> '1 year and 6 months'."""
        names = [(self.years, "year"), (self.months, "month"), (self.weeks, "week"), (self.days, "day")]
        spoken = [f"{n} {name}{'' if n == 1 else 's'}" for n, name in names if n]
        if len(spoken) == 1:
            return spoken[0]
        return ", ".join(spoken[:-1]) + " and " + spoken[-1]


def parse_duration(text: str) -> Duration:
    return Duration.parse(text)


def check_duration(text: str) -> str:
    """Pydantic validator: keep the text, refuse what does not parse."""
    Duration.parse(text)
    return text.strip()
