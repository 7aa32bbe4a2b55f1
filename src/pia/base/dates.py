"""Japanese era and ISO dates: parsing and the day counts the procedure rules use."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "R": 2018, "H": 1988, "S": 1925}
# each era's first day: 令和1年4月1日 (still 平成) and 令和0年 are no dates
FIRST_DAY = {2018: dt.date(2019, 5, 1), 1988: dt.date(1989, 1, 8), 1925: dt.date(1926, 12, 25)}
_ERA = re.compile(r"(令和|平成|昭和|[RHS])\s*(元|\d{1,2})\s*[年.]\s*(\d{1,2})\s*[月.]\s*(\d{1,2})\s*日?")
_ISO = re.compile(r"(\d{4})\s*[-/年]\s*(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def find_dates(text: str) -> list[dt.date]:
    """Every date written in text, in order (era or ISO); impossible dates (2月30日, 令和0年, an era year before the
    era began) are skipped."""
    t = _norm(text)
    found: list[tuple[int, dt.date]] = []
    for m in _ERA.finditer(t):
        base, n = ERAS[m.group(1)], (1 if m.group(2) == "元" else int(m.group(2)))
        try:
            d = dt.date(base + n, int(m.group(3)), int(m.group(4)))
        except ValueError:
            continue
        if n >= 1 and d >= FIRST_DAY[base]:
            found.append((m.start(), d))
    for m in _ISO.finditer(t):
        try:
            found.append((m.start(), dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
        except ValueError:
            pass
    return [d for _, d in sorted(found, key=lambda x: x[0])]


def parse(text: object) -> dt.date | None:
    """A value that must be exactly one date."""
    if not isinstance(text, str):
        return None
    t = _norm(text).strip()
    m = _ERA.fullmatch(t) or _ISO.fullmatch(t)
    if not m:
        return None
    ds = find_dates(t)
    return ds[0] if ds else None


# One date of a period as staff write it: with an era or Western year, 「同年」, or no year (the year before carries on).
_MENTION = re.compile(r"(?:(?P<era>令和|平成|昭和|[RHS])\s*(?P<ey>元|\d{1,2})\s*[年.]|(?P<y>\d{4})\s*[-/年.]|(?P<same>同年))?"
                      r"\s*(?P<m>\d{1,2})\s*[月/.-]\s*(?P<d>\d{1,2})\s*日?")


def period(text: object, year: int | None = None) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a period written 「令和7年3月10日から同年4月9日まで」, 「令和5年8月25日(金)～令和5年9月24日(日)」,
    「2025/3/10～4/9」 or 「3月10日～4月9日」 (then in `year`, else in a common year). None unless two dates are read."""
    if not isinstance(text, str):
        return None
    found: list[tuple[dt.date, bool]] = []  # (date, written with its own year)
    current = year
    for m in _MENTION.finditer(_norm(text)):
        if m.group("era"):
            current = ERAS[m.group("era")] + (1 if m.group("ey") == "元" else int(m.group("ey")))
        elif m.group("y"):
            current = int(m.group("y"))
        try:
            found.append((dt.date(current or 2001, int(m.group("m")), int(m.group("d"))), bool(m.group("era") or m.group("y"))))
        except ValueError:
            return None  # 13月, 4月31日: not a period pia can count
        if len(found) == 2:
            break
    if len(found) < 2:
        return None
    (start, _), (end, own_year) = found
    if end < start and not own_year:  # 12月20日～1月19日: the period runs into the next year
        end = end.replace(year=end.year + 1)
    return start, end


# A date staff write in a text item (保有開始日): a full date, or a year and month (平成27年6月).
_YEAR_MONTH = re.compile(r"(令和|平成|昭和|[RHS])\s*(元|\d{1,2})\s*[年.]\s*(\d{1,2})\s*月?|(\d{4})\s*[-/年.]\s*(\d{1,2})\s*月?")
_DATE_LIKE = re.compile(r"\d+\s*[年月/.-]\s*\d")


def looks_like_date(text: str) -> bool:
    """Whether text is meant as a date (digits with 年, 月, /, . or -): then it must read as one."""
    return bool(_DATE_LIKE.search(_norm(text)))


def year_month(text: object) -> tuple[int, int] | None:
    """A year and month written alone (平成27年6月, 2015/6), as a valid (year, month)."""
    if not isinstance(text, str):
        return None
    m = _YEAR_MONTH.fullmatch(_norm(text).strip())
    if not m:
        return None
    year = ERAS[m.group(1)] + (1 if m.group(2) == "元" else int(m.group(2))) if m.group(1) else int(m.group(4))
    month = int(m.group(3) or m.group(5))
    return (year, month) if 1 <= month <= 12 else None


def to_era(d: dt.date) -> str:
    """令和6年1月4日 (元年 for the first year), as the form writes dates."""
    for name, start, base in (("令和", dt.date(2019, 5, 1), 2018), ("平成", dt.date(1989, 1, 8), 1988),
                              ("昭和", dt.date(1926, 12, 25), 1925)):
        if d >= start:
            y = d.year - base
            return f"{name}{'元' if y == 1 else y}年{d.month}月{d.day}日"
    return d.isoformat()


def stated_days(text: str) -> int | None:
    m = re.search(r"[(（]\s*(\d+)\s*日間\s*[)）]", _norm(text))
    return int(m.group(1)) if m else None
