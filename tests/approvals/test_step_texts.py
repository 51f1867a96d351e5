"""Approval steps read in the reader's language: stored in English figures whoever built the chain, shown in
French or Swedish on pages, e-mails and the tracker."""

from decimal import Decimal

from django.utils import translation

from approvals.chain import approval_chain_resolve
from approvals.models import PurchasingRule
from approvals.step_texts import step_text_display, step_text_lazy
from procurement.money import Money

from .helpers import cart_of


def test_a_chain_built_during_a_french_request_stores_its_texts_in_english_figures(acme):
    cart = cart_of("alice", "5000")
    with translation.override("fr"):
        stages = approval_chain_resolve(requisition=cart).stages
    assert [(stage.name, stage.reason) for stage in stages] == [
        ("Manager: Bob Dubois", "signing limit 1,000.00\xa0EUR"),
        ("Manager: Carol Lefebvre", "signing limit 10,000.00\xa0EUR"),
    ]


def test_the_stored_shapes_read_in_french_and_swedish_with_their_figures():
    with translation.override("fr"):
        limit = str(Money(Decimal("1000"), "EUR"))
        assert limit == "1\u202f000,00\xa0EUR"
        assert step_text_display("Manager: Bob Dubois") == "Responsable : Bob Dubois"
        assert step_text_display("signing limit 1,000.00\xa0EUR") == f"plafond de signature {limit}"
        assert step_text_display("no signing limit") == "aucun plafond de signature"
        assert step_text_display("named by the rule “Lab kit”") == "désigné par la règle «\xa0Lab kit\xa0»"
    with translation.override("sv"):
        finance = str(PurchasingRule.RoleChoice.FINANCE.label).lower()
        variance = str(Money(Decimal("12.5"), "SEK"))
        assert step_text_display("variance 12.50 SEK · role: finance") == f"avvikelse {variance} · roll: {finance}"
        assert step_text_display("group IT reviewers") == "grupp IT reviewers"


def test_other_texts_are_shown_as_stored_and_english_is_unchanged():
    with translation.override("fr"):
        assert step_text_display("IT equipment needs an IT reviewer") == "IT equipment needs an IT reviewer"
        assert step_text_display("") == ""
    with translation.override("en"):
        stored = "Manager: Bob Dubois · signing limit 1,000.00\xa0EUR"
        assert step_text_display(stored) == stored


def test_the_lazy_text_is_read_in_the_language_active_when_it_is_rendered():
    text = step_text_lazy("no signing limit")
    with translation.override("sv"):
        assert str(text) == "ingen attestgräns"
    with translation.override("fr"):
        assert str(text) == "aucun plafond de signature"
