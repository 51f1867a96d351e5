"""Beat's contract alerts: a contract ending within 30 days and a framework agreement at 80 % of its cap are
told once, to the contract's owner or else to the entity's buyers."""

import datetime

from django.utils import timezone

from contracts.alerts import contract_alerts_send
from notifications.models import Notification
from procurement.contract_ledger import ContractSpend, contract_spend_commit, contract_spend_release
from procurement.models import Contract
from tests.contracts.factories import ContractFactory


def test_a_contract_ending_within_30_days_is_told_to_its_owner_once(buyer, france):
    today = timezone.localdate()
    ContractFactory(number="CT-SOON", legal_entity=france, owner=buyer, valid_to=today + datetime.timedelta(days=30))
    ContractFactory(number="CT-LATER", legal_entity=france, owner=buyer, valid_to=today + datetime.timedelta(days=31))

    assert contract_alerts_send() == 1
    assert contract_alerts_send() == 0

    [notice] = Notification.objects.filter(recipient=buyer.user)
    soon = Contract.objects.get(number="CT-SOON")
    assert (notice.kind, notice.link) == ("contract.expiring", f"/contracts/{soon.pk}/")
    assert notice.title.startswith("Contract CT-SOON ends on ")


def test_a_framework_agreement_at_80_percent_is_told_to_the_buyers(buyer, requester, framework):
    contract_spend_commit(spends=[ContractSpend(framework.pk, 799_999, "EUR", "purchase_order:1")])
    assert contract_alerts_send() == 0  # 79.9999 %: not yet
    contract_spend_commit(spends=[ContractSpend(framework.pk, 1, "EUR", "purchase_order:2")])

    assert contract_alerts_send() == 1
    assert contract_alerts_send() == 0
    [notice] = Notification.objects.all()
    assert (notice.recipient, notice.kind) == (buyer.user, "contract.cap_used")
    assert notice.title == "Framework agreement FA-2026-01 has used 80.0 % of its cap"


def test_a_cap_alert_is_sent_again_after_the_contract_fell_back_under_80_percent(buyer, requester, framework):
    # Given a framework agreement told at 80 % of its cap
    contract_spend_commit(spends=[ContractSpend(framework.pk, 800_000, "EUR", "purchase_order:1")])
    assert contract_alerts_send() == 1
    # When an order is cancelled and brings it back to 70 %, nothing is sent, and the alert is armed again
    contract_spend_release(spends=[ContractSpend(framework.pk, 100_000, "EUR", "purchase_order:1:revision:1")])
    assert contract_alerts_send() == 0
    framework.refresh_from_db()
    assert framework.cap_alert_sent_at is None
    # Then climbing over 80 % again is told again, once
    contract_spend_commit(spends=[ContractSpend(framework.pk, 150_000, "EUR", "purchase_order:2")])
    assert contract_alerts_send() == 1
    assert contract_alerts_send() == 0
    titles = list(Notification.objects.order_by("pk").values_list("title", flat=True))
    assert titles == [
        "Framework agreement FA-2026-01 has used 80.0 % of its cap",
        "Framework agreement FA-2026-01 has used 85.0 % of its cap",
    ]
