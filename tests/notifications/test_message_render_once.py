"""A message's body is rendered once for the app and the e-mail (notifications.services._body_render): the title,
the in-app body and the e-mail body are, byte for byte, what rendering the subject and the body twice (once with
`for_email` false, once true) wrote before, for every message template in every language, and on a real approval
path (Money, step texts in the reader's language, decision links)."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation

import notifications.services as services
from approvals.step_texts import step_text_lazy
from notifications.services import Rendered, _body_plan, _body_render, _tidy, message_render
from procurement.money import Money
from tests.approvals.helpers import decide, open_tasks, submitted
from tests.factories import Company

MESSAGES = sorted(
    path.name.removesuffix(".body.txt")
    for path in (Path(settings.BASE_DIR) / "templates" / "notifications" / "messages").glob("*.body.txt")
)


def reference_render(*, message: str, context: dict[str, Any], language: str) -> Rendered:
    """message_render as written before: the subject once, the whole body twice."""
    with translation.override(language):
        title = re.sub(r"[ \t\r\n]+", " ", render_to_string(f"notifications/messages/{message}.subject.txt", context))
        title = title.strip(" ")
        body = render_to_string(f"notifications/messages/{message}.body.txt", {**context, "for_email": False})
        email_body = render_to_string(f"notifications/messages/{message}.body.txt", {**context, "for_email": True})
        used = translation.get_language() or language
    return Rendered(used, title[: services.TITLE_MAX], _tidy(body), _tidy(email_body) + "\n")


# Every part any message names, with values of the kinds callers pass (Money, lazy step texts, dates, lists).
PARTS: dict[str, Any] = {
    "number": "REQ-ACME-FR-000042",
    "title": "Laptops <for> the “new” team & co",
    "total": Money(Decimal("5500"), "EUR"),
    "requester": "Alice Martin",
    "lines": [
        {"quantity": "2", "description": "Laptop", "total": Money(Decimal("2750"), "EUR")},
        {"quantity": "0.5", "description": "Support", "total": Money(Decimal("1234.5"), "SEK")},
    ],
    "escalated": True,
    "escalated_from": "Bob Dubois",
    "step": step_text_lazy("Manager: Bob Dubois"),
    "step_reason": step_text_lazy("signing limit 1,000.00 EUR"),
    "on_behalf": "Carol Lindqvist",
    "hours": 48,
    "needs_login": True,
    "decision_link": "https://p2p.example/approvals/email/token/",
    "link_url": "https://p2p.example/requisitions/42/",
    "outcome": "rejected",
    "by": "Bob Dubois",
    "comment": "Not this quarter.\n  Ask again in May.",
    "what": "REQ-ACME-FR-000042",
    "waited": 3,
    "sla": "2 working days",
    "supplier": "Office & Co",
    "error": "connection refused",
    "orders": ["PO-1", "PO-2"],
    "reasons": ["price above the order", "quantity"],
    "variance": Money(Decimal("-3.5"), "EUR"),
    "notifications": [],
    "count": 0,
    "day": date(2026, 12, 4),
    "site_url": "https://p2p.example",
    "used": Money(Decimal("90000"), "EUR"),
    "cap": Money(Decimal("100000"), "EUR"),
    "remaining": Money(Decimal("10000"), "EUR"),
    "valid_to": date(2027, 3, 31),
    "status": "accepted with changes",
    "requisition": "REQ-ACME-FR-000041",
    "short": [{"line": 2, "quantity": "3"}],
    "carrier": "DHL",
    "tracking": "JD0146",
    "delivery": date(2026, 12, 24),
    "reason": "a hold rule",
    "requisition_number": "REQ-ACME-FR-000040",
    "due": "2026-12-10",
    "entity": "Acme France",
    "invoice_date": "2026-11-30",
}
VARIANTS: list[dict[str, Any]] = [
    {},
    {"link_url": "", "outcome": "approved", "by": ""},
    {"escalated": False, "needs_login": False, "on_behalf": "", "comment": "", "orders": [], "hours": 1},
    {"outcome": "returned", "lines": [], "reasons": [], "short": [], "carrier": "", "tracking": "", "delivery": None},
]


@pytest.mark.parametrize("message", MESSAGES)
def test_every_message_body_is_rendered_in_one_pass(message: str):
    template = engines["django"].get_template(f"notifications/messages/{message}.body.txt").template
    assert _body_plan(template).split is not None


@pytest.mark.parametrize("language", ["en", "fr", "sv"])
@pytest.mark.parametrize("message", MESSAGES)
def test_each_message_is_what_three_renders_wrote(message: str, language: str):
    for variant in VARIANTS:
        context = {**PARTS, **variant}
        assert message_render(message=message, context=context, language=language) == reference_render(
            message=message, context=context, language=language
        )


def test_a_template_that_keeps_state_or_reads_another_is_rendered_whole_twice():
    engine = engines["django"]
    for source in (
        "{% for x in xs %}{% cycle 'a' 'b' %}{% endfor %}{% if for_email %}mail{% endif %}",
        "{% include 'notifications/messages/order_held.body.txt' %}{% if for_email %}mail{% endif %}",
    ):
        found = engine.from_string(source)
        assert _body_plan(found.template).split is None
        values = {"xs": [1, 2, 3], "number": "PO-1", "reason": "r"}
        assert _body_render(found, values) == (
            found.render({**values, "for_email": False}),
            found.render({**values, "for_email": True}),
        )


def test_for_email_is_found_in_an_elif_a_translation_and_an_assignment():
    engine = engines["django"]
    values = {"a": False, "n": 2, "lt": "<"}
    for source, shared in (
        ("{% load i18n %}x{% if a %}1{% elif for_email %}2{% endif %}y", "x"),
        ("{% load i18n %}x{% blocktranslate %}{{ for_email }}{% endblocktranslate %}y", "x"),
        ("x{% firstof a for_email as seen %}{{ seen }}y", "x"),
        ("{% autoescape off %}<{{ n }}>{% with e=for_email %}{{ e }}{% endwith %}{% endautoescape %}&", ""),
        ("{% autoescape off %}{{ lt }}{% endautoescape %}{{ lt }}{% if for_email %}{{ lt }}{% endif %}", "<&lt;"),
        (
            "{% autoescape off %}{{ lt }}{% if for_email %}{{ lt }}{% endif %}{{ lt }}{% endautoescape %}{{ lt }}",
            "<<&lt;",
        ),
    ):
        found = engine.from_string(source)
        plan = _body_plan(found.template)
        assert plan.split is not None
        expected = (found.render({**values, "for_email": False}), found.render({**values, "for_email": True}))
        assert _body_render(found, values) == expected
        assert expected[0].startswith(shared) and expected[0] != expected[1]


def test_the_messages_of_an_approval_path_are_what_three_renders_wrote(
    acme: Company, django_capture_on_commit_callbacks, monkeypatch
):
    """Every message of a 3-stage approval, a French approver, a rejection with a comment and an escalation: each
    rendered both ways on the same parts, the new one kept (so the rows and e-mails are the new one's)."""
    seen: list[str] = []
    render = services.message_render

    def both(*, message: str, context: dict[str, Any], language: str) -> Rendered:
        made = render(message=message, context=context, language=language)
        assert made == reference_render(message=message, context=context, language=language)
        seen.append(f"{message}:{made.language}")
        return made

    monkeypatch.setattr(services, "message_render", both)
    acme.carol.language = "fr"
    acme.carol.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        big = submitted("5500")
        decide(big, "bob", "approve")
        decide(big, "carol", "reject", comment="Pas ce trimestre.")
        small = submitted("500")
        decide(small, "bob", "return", comment="Which project?")
        third = submitted("700")
        decide(third, "bob", "approve")
    assert open_tasks(third) == {}
    assert sorted(set(seen)) == [
        "requisition_outcome:en",
        "task_assigned:en",
        "task_assigned:fr",
    ]
