"""The cycle-time and approver-turnaround tables as CSV/XLSX columns (procurement.exports): one row per bar."""

from decimal import Decimal
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from procurement.exports import Column

from .cycle import STEPS, CycleRow, Figure, TurnaroundRow, hours_text


def _hours(seconds: int | None) -> Decimal | None:
    text = hours_text(seconds)
    return None if text is None else Decimal(text)


def _figure_columns[T](key: str, label: Any, figure: Any) -> list[Column[T]]:
    """count, median and 90th percentile (hours, to a tenth) of the figure `figure(row)`."""
    return [
        Column(f"{key}_count", format_lazy("{}: {}", label, _("count")), lambda row: figure(row).count),
        Column(
            f"{key}_median_hours",
            format_lazy("{}: {}", label, _("median (hours)")),
            lambda row: _hours(figure(row).median),
        ),
        Column(
            f"{key}_p90_hours",
            format_lazy("{}: {}", label, _("90th percentile (hours)")),
            lambda row: _hours(figure(row).p90),
        ),
    ]


def _step(key: str) -> Any:
    def figure(row: CycleRow) -> Figure:
        return row.steps.get(key, Figure())

    return figure


CYCLE_COLUMNS: list[Column[CycleRow]] = [
    Column("key", _("Month or supplier"), lambda row: row.key),
    Column("label", _("Name"), lambda row: row.label),
    Column("requisitions", _("Requisitions"), lambda row: row.requisitions),
]
for _key, _label, _column in STEPS:
    CYCLE_COLUMNS += _figure_columns(_key, _label, _step(_key))

_decision_columns: list[Column[TurnaroundRow]] = _figure_columns("decisions", _("Decisions"), lambda row: row.decisions)
TURNAROUND_COLUMNS: list[Column[TurnaroundRow]] = [
    Column("key", _("Approver, stage or month"), lambda row: row.key),
    Column("label", _("Name"), lambda row: row.label),
    *_decision_columns,
    Column("open_tasks", _("Open tasks"), lambda row: row.open_tasks),
    Column("open_oldest_hours", _("Oldest open task (hours)"), lambda row: _hours(row.open_oldest_seconds)),
    Column("open_median_hours", _("Open tasks: median age (hours)"), lambda row: _hours(row.open_median_seconds)),
]
