"""Alerts of contracts, from beat: a contract ends within 30 days, a framework agreement has used 80 % of its
cap. Each goes once per contract to its owner, else to the buyers of its entity (notifications.services.notify:
in the app and by e-mail per their preferences). A cap alert is armed again when releases, credit notes or a
raised cap bring the contract back under 80 %, so climbing over it again alerts again."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind
from notifications.services import notify
from procurement.contract_ledger import contract_burn_down, contracts_with_burn_down
from procurement.models import Contract, Employee, Role

EXPIRY_NOTICE_DAYS = 30


def _recipients(contract: Contract) -> list:
    if contract.owner is not None and contract.owner.user.is_active:
        return [contract.owner.user]
    buyers = Employee.objects.filter(
        roles__code=Role.BUYER, legal_entities=contract.legal_entity_id, user__is_active=True
    ).select_related("user")
    return [buyer.user for buyer in buyers]


def _alert(contract: Contract, kind: str, message: str, context: dict) -> None:
    notify(
        recipients=_recipients(contract),
        kind=kind,
        legal_entity=contract.legal_entity,
        message=message,
        context={"number": contract.number, "title": contract.title, **context},
        link=reverse("contracts:detail", args=[contract.pk]),
        obj=contract,
        data={"contract": contract.number, **{key: str(value) for key, value in context.items()}},
    )


def contract_alerts_send(*, today: datetime.date | None = None) -> int:
    """Tell the owners of active contracts ending within 30 days, and of framework agreements at 80 % of their
    cap, once each (a cap alert again after the contract fell back under 80 %); how many alerts went. Each
    contract is handled under its row lock, decided on what is read there, so two runs at once alert once."""
    day = today or timezone.localdate()
    last_day = day + datetime.timedelta(days=EXPIRY_NOTICE_DAYS)
    candidates = contracts_with_burn_down(
        Contract.objects.filter(status=Contract.Status.ACTIVE).filter(
            Q(expiry_alert_sent_at__isnull=True, valid_to__gte=day, valid_to__lte=last_day) | Q(cap_minor__isnull=False)
        )
    ).order_by("pk")
    sent = 0
    for first_look in candidates:
        ending = first_look.expiry_alert_sent_at is None and day <= first_look.valid_to <= last_day
        over = contract_burn_down(first_look).over_alert
        alerted = first_look.cap_alert_sent_at is not None
        if not ending and over == alerted:
            continue
        with transaction.atomic():
            contract = (
                Contract.objects.select_for_update(of=("self",))
                .select_related("owner__user", "legal_entity")
                .get(pk=first_look.pk)
            )
            now = timezone.now()
            if contract.expiry_alert_sent_at is None and day <= contract.valid_to <= last_day:
                _alert(contract, Kind.CONTRACT_EXPIRING, "contract_expiring", {"valid_to": contract.valid_to})
                contract.expiry_alert_sent_at = now
                contract.save(update_fields=["expiry_alert_sent_at"])
                sent += 1
            burn = contract_burn_down(contract)  # read again under the lock
            if contract.cap_alert_sent_at is None and burn.over_alert:
                _alert(
                    contract,
                    Kind.CONTRACT_CAP,
                    "contract_cap_used",
                    {"percent": burn.percent_used, "used": burn.used, "cap": burn.cap, "remaining": burn.remaining},
                )
                contract.cap_alert_sent_at = now
                contract.save(update_fields=["cap_alert_sent_at"])
                sent += 1
            elif contract.cap_alert_sent_at is not None and not burn.over_alert:
                contract.cap_alert_sent_at = None  # back under 80 %: the next climb over it alerts again
                contract.save(update_fields=["cap_alert_sent_at"])
    return sent
