"""The inbox page's requisition rows, written in Python by {% inbox_requisition_row %}, are what the template they
replaced writes (kept here as the reference), byte for byte, in English, French and Swedish: varied rows with
amounts in several currencies, more lines than shown, suppliers or none, budgets, a rule, earlier decisions with
and without comments, non-ASCII text."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from approvals.inbox import approval_inbox
from budgets.selectors import budget_impacts
from procurement.models import Employee

from .helpers import person
from .test_inbox_api_rows import varied_rows

# The row as the template wrote it before {% inbox_requisition_row %} (commit d4ca2f8).
REFERENCE = Template((Path(__file__).parent / "inbox_row_reference.html").read_text().rstrip("\n"))
ROWS = Template("{% load approvals %}{% for item in items %}{% inbox_requisition_row item %}{% endfor %}")
FORM_TOKEN = re.compile(r'name="form_token" value="[^"]*"')


def rendered(template: Template, items: list) -> str:
    context = Context(
        {"items": items, "csrf_token": "token", "requisition_url": "/r/", "decide_url": "/approvals/t/"},
        autoescape=True,
    )
    return FORM_TOKEN.sub("form_token", template.render(context))


@pytest.mark.usefixtures("acme")
def test_the_rows_are_what_the_reference_template_writes():
    varied_rows()
    compared = 0
    for employee in Employee.objects.select_related("user"):
        items = [
            item
            for item in approval_inbox(employee=employee, budget_impacts=budget_impacts)
            if item.requisition is not None
        ]
        for language in ("en", "fr", "sv"):
            with translation.override(language):
                assert rendered(ROWS, items) == rendered(REFERENCE, items), (employee, language)
        compared += len(items)
    assert compared > 5
    carol = approval_inbox(employee=person("carol"), budget_impacts=budget_impacts)
    assert any(item.earlier_steps for item in carol) and any(len(item.lines) == 5 for item in carol)
