"""Budget periods: fiscal years, quarters and months, counted from each legal entity's fiscal year start.

A fiscal year is named by the calendar year it ends in: with a July start, FY2027 runs from
1 July 2026 to 30 June 2027 and its first quarter is July–September 2026. With a January start
(the calendar year) the labels are the plain ones: `2026`, `2026-Q1`, `2026-03`.

Labels read by `period_parse` (case-insensitive, spaces ignored):
  year:    2026, FY2026, FY26
  quarter: 2026-Q1, FY2026-Q1, Q1-2026, Q1 2026
  month:   2026-03 (calendar month), FY2026-P03 / FY2026-M03 (third month of the fiscal year)
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str  # "year" | "quarter" | "month"
    fiscal_year: int
    number: int  # quarter 1–4 or month 1–12 of the fiscal year; 0 for a year
    start: date
    end: date
    label: str


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def fiscal_year_start(fiscal_year: int, start_month: int) -> date:
    """First day of a fiscal year named by the calendar year it ends in."""
    year = fiscal_year if start_month == 1 else fiscal_year - 1
    return date(year, start_month, 1)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_of(*, kind: str, fiscal_year: int, number: int, start_month: int) -> Period:
    first = fiscal_year_start(fiscal_year, start_month)
    if kind == "year":
        months, offset, label = 12, 0, (str(fiscal_year) if start_month == 1 else f"FY{fiscal_year}")
    elif kind == "quarter":
        if not 1 <= number <= 4:
            raise PeriodError(_("A quarter is 1 to 4, not %(number)s.") % {"number": number})
        months, offset = 3, (number - 1) * 3
        label = f"{fiscal_year}-Q{number}" if start_month == 1 else f"FY{fiscal_year}-Q{number}"
    elif kind == "month":
        if not 1 <= number <= 12:
            raise PeriodError(_("A month is 1 to 12, not %(number)s.") % {"number": number})
        months, offset = 1, number - 1
        label = f"{fiscal_year}-{number:02d}" if start_month == 1 else f"FY{fiscal_year}-P{number:02d}"
    else:
        raise PeriodError(_("Unknown period kind %(kind)s: year, quarter or month.") % {"kind": repr(kind)})
    start_year, start_m = _add_months(first.year, first.month, offset)
    end_year, end_m = _add_months(first.year, first.month, offset + months - 1)
    return Period(kind, fiscal_year, number, date(start_year, start_m, 1), _month_end(end_year, end_m), label)


def fiscal_year_of(day: date, start_month: int) -> int:
    """The fiscal year a day falls in."""
    if start_month == 1:
        return day.year
    return day.year + 1 if day.month >= start_month else day.year


_YEAR = re.compile(r"^(FY)?(\d{2}|\d{4})$")
_QUARTER = re.compile(r"^(FY)?(\d{2}|\d{4})-?Q([1-4])$|^Q([1-4])-?(FY)?(\d{2}|\d{4})$")
_CAL_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_FISCAL_MONTH = re.compile(r"^FY(\d{2}|\d{4})-?[PM](\d{1,2})$")


def _year(text: str) -> int:
    value = int(text)
    return 2000 + value if len(text) == 2 else value


def period_parse(label: str, *, start_month: int) -> Period:
    """The period a label names, for an entity whose fiscal year starts in `start_month`."""
    try:
        return _parse(label, start_month)
    except PeriodError as exc:
        if label and repr(label) not in str(exc):
            raise PeriodError(f"{label!r}: {exc}") from None
        raise


def _parse(label: str, start_month: int) -> Period:
    text = re.sub(r"\s+", "", label or "").upper()
    if not text:
        raise PeriodError(_("The period is empty: write e.g. 2026, 2026-Q1, 2026-03 or FY2027-P01."))
    if match := _YEAR.match(text):
        return period_of(kind="year", fiscal_year=_year(match.group(2)), number=0, start_month=start_month)
    if match := _QUARTER.match(text):
        year, quarter = (match.group(2), match.group(3)) if match.group(3) else (match.group(6), match.group(4))
        return period_of(kind="quarter", fiscal_year=_year(year), number=int(quarter), start_month=start_month)
    if match := _FISCAL_MONTH.match(text):
        return period_of(
            kind="month", fiscal_year=_year(match.group(1)), number=int(match.group(2)), start_month=start_month
        )
    if match := _CAL_MONTH.match(text):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(_("%(label)s: a month is 01 to 12.") % {"label": repr(label)})
        # A calendar month is the n-th month of the fiscal year it falls in.
        fiscal_year = fiscal_year_of(date(year, month, 1), start_month)
        number = (month - start_month) % 12 + 1
        return period_of(kind="month", fiscal_year=fiscal_year, number=number, start_month=start_month)
    raise PeriodError(
        _("%(label)s is not a period: write e.g. 2026, 2026-Q1, 2026-03 or FY2027-P01.") % {"label": repr(label)}
    )
