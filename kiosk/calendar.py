"""Working days in mainland China, for counting the time limits of petitions.

Public holidays come from the `holidays` package (`holidays.China`). It lists the
State Council's arrangement as holidays plus "Day off (substituted from …)"
entries for weekdays given off in exchange, and it keeps the weekend days that
become working days (调休上班) in `weekend_workdays`. For years whose arrangement
it does not know yet it only estimates the holidays and has no make-up days, so
an administrator corrects those years in `assets/calendar.toml`.
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "assets" / "calendar.toml"

_KEYS = ("extra_holidays", "extra_working_days")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

# Even a wrongly filled override file cannot make a whole year non-working;
# stopping here turns such a mistake into an error instead of a hang.
_MAX_SEARCH_DAYS = 366


def _as_date(d: date) -> date:
    # datetime is a subclass of date; keep only the day so sets and sums agree.
    return d.date() if isinstance(d, datetime) else d


class WorkCalendar:
    """Which days are working days: weekends and public holidays are not,
    make-up working days (调休上班) are, and the overrides win over both."""

    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self.extra_holidays: frozenset[date] = frozenset(_as_date(d) for d in extra_holidays)
        self.extra_working_days: frozenset[date] = frozenset(
            _as_date(d) for d in extra_working_days
        )
        both = sorted(self.extra_holidays & self.extra_working_days)
        if both:
            raise ValueError(
                "extra_holidays 和 extra_working_days 不能写同一天："
                + "、".join(d.isoformat() for d in both)
            )
        # year -> (public holidays, weekend make-up working days) of that year
        self._years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path | None = None) -> WorkCalendar:
        """Read the overrides from a TOML file (default: assets/calendar.toml).

        Raises FileNotFoundError if the file is missing and ValueError, naming
        the file and the key, if its content is not valid.
        """
        path = DEFAULT_PATH if path is None else Path(path)
        try:
            with path.open("rb") as f:
                data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"{path}: 不是有效的 TOML 文件：{e}") from e
        except UnicodeDecodeError as e:
            raise ValueError(f"{path}: 不是 UTF-8 编码的文本文件（{e.reason}，第 {e.start} 字节）") from e
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise ValueError(
                f"{path}: 不认识的键 {', '.join(unknown)}（只能写 {', '.join(_KEYS)}）"
            )
        lists = {key: _read_dates(path, key, data.get(key, [])) for key in _KEYS}
        try:
            return cls(lists["extra_holidays"], lists["extra_working_days"])
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from e

    def _year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._years.get(year)
            if cached is None:
                # The next year is loaded too: a New Year arrangement can put a
                # make-up working day at the end of December (e.g. 2011-12-31).
                cn = holidays.China(years=[year, year + 1])
                cached = (
                    frozenset(d for d in cn if d.year == year),
                    frozenset(d for d in cn.weekend_workdays if d.year == year),
                )
                self._years[year] = cached
            return cached

    def is_working_day(self, d: date) -> bool:
        d = _as_date(d)
        if d in self.extra_working_days:
            return True
        if d in self.extra_holidays:
            return False
        public_holidays, makeup_days = self._year(d.year)
        if d.weekday() >= 5:
            return d in makeup_days
        return d not in public_holidays

    def next_working_day(self, d: date) -> date:
        """`d` itself if it is a working day, otherwise the first working day after it."""
        d = _as_date(d)
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_working_day(d):
                return d
            d += timedelta(days=1)
        raise ValueError(f"{_MAX_SEARCH_DAYS} 天内找不到工作日，请检查 extra_holidays")

    def add_calendar_days(self, start: date, n: int) -> date:
        """The last day of a limit of `n` days counted from the day after `start`.

        If that day is not a working day (weekend or public holiday), the limit
        moves to the next working day.
        """
        if n < 0:
            raise ValueError(f"天数不能是负数：{n}")
        return self.next_working_day(_as_date(start) + timedelta(days=n))

    def add_working_days(self, start: date, n: int) -> date:
        """The `n`-th working day after `start` (`start` itself is not counted).

        `n == 0` gives `start` back unchanged.
        """
        if n < 0:
            raise ValueError(f"天数不能是负数：{n}")
        d = _as_date(start)
        for _ in range(n):
            d = self.next_working_day(d + timedelta(days=1))
        return d


def _read_dates(path: Path, key: str, value: object) -> list[date]:
    if not isinstance(value, list):
        raise ValueError(f"{path}: {key} 应该是日期列表，例如 {key} = [2027-02-06]")
    out: list[date] = []
    for i, item in enumerate(value):
        where = f"{path}: {key}[{i}]"
        if isinstance(item, datetime):
            raise ValueError(f"{where} 只写日期，不要写时间：{item.isoformat()}")
        if isinstance(item, date):
            out.append(item)
        elif isinstance(item, str):
            # Quoted dates are a common slip; accept them when they are valid.
            try:
                if not _ISO_DAY.fullmatch(item.strip()):
                    raise ValueError(item)
                out.append(date.fromisoformat(item.strip()))
            except ValueError:
                raise ValueError(
                    f"{where} 不是日期：{item!r}（应写成 2027-02-06 这样的格式）"
                ) from None
        else:
            raise ValueError(f"{where} 不是日期：{item!r}（应写成 2027-02-06 这样的格式）")
    return out
