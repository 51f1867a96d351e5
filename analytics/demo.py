"""Demo data of analytics: the spend figures of the demo's requisitions, computed once so /analytics/spend/ shows them
at once (beat keeps them up to date afterwards)."""

from collections.abc import Callable

from .spend import spend_refresh


def seed(report: Callable[[str], None]) -> None:
    result = spend_refresh(full=True)
    report(f"spend figures: {result.months} months, {result.created + result.updated} rows written")
