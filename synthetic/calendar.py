"""French bank calendar: public holidays (computed, Easter included) and bank days."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def easter_sunday(year: int) -> date:
    """Gregorian Easter (anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """The eleven French public holidays (metropolitan list) of one year."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + timedelta(days=1), easter + timedelta(days=39), easter + timedelta(days=50)]
    return frozenset([date(year, m, d) for m, d in fixed] + movable)


def is_bank_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


class BankCalendar:
    """Bank days between two dates, precomputed so that adding n bank days is O(1)."""

    def __init__(self, first: date, last: date) -> None:
        self.first = first
        self.days: list[date] = []
        # next_index[i] = index in self.days of the first bank day >= first + i days
        self.next_index: list[int] = []
        day = first
        while day <= last:
            self.next_index.append(len(self.days))
            if is_bank_day(day):
                self.days.append(day)
            day += timedelta(days=1)
        self.last = last

    def add(self, day: date, n: int) -> date:
        """The n-th bank day strictly after `day` (n >= 1); or `day` itself if n == 0 and
        it is a bank day, else the next one."""
        offset = (day - self.first).days
        if not 0 <= offset < len(self.next_index):
            return day + timedelta(days=n)  # outside the horizon: never written
        index = self.next_index[offset]
        if n > 0 and index < len(self.days) and self.days[index] == day:
            index += n
        else:
            index += max(n - 1, 0)
        if index >= len(self.days):
            return self.last + timedelta(days=n)  # beyond the horizon: never written
        return self.days[index]

    def on_or_after(self, day: date) -> date:
        return self.add(day, 0)
