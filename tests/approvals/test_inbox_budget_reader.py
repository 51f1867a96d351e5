"""The approval inbox reads budget impacts through the reader the settings plug in (budgets is a sibling app).

With the reader plugged in, tests/budgets/test_exact_budget_panel.py checks the figures to the cent."""

import pytest

from approvals.inbox import budget_impacts

pytestmark = pytest.mark.django_db


def test_without_a_reader_the_inbox_shows_no_budget_impact(settings):
    settings.APPROVALS_INBOX_BUDGET_IMPACTS = ""

    assert budget_impacts({1, 2}) == {}
