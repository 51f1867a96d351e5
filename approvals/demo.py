"""Demo purchasing rules (DESIGN.md): manager chain; IT items need an IT reviewer; above 5,000 EUR finance too."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from p2p.submit_to_order import requisition_submit
from procurement.demo import DEMO_PASSWORD
from procurement.models import CostCentre, Employee, LegalEntity, OrgUnit, Role, Supplier
from procurement.money import Money, to_minor
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text

from .models import ApprovalMode, PurchasingRule
from .services import purchasing_rule_save

IT_REVIEWERS = "IT reviewers"
REVIEWERS = [("ivan", "Ivan", "Petit", "IT architect"), ("ines", "Inès", "Roux", "IT security officer")]


@transaction.atomic
def seed(report: Callable[[str], None]) -> None:
    group, _ = Group.objects.get_or_create(name=IT_REVIEWERS)
    entities = list(LegalEntity.objects.filter(code__in=["ACME-FR", "ACME-SE"]))
    france = next(entity for entity in entities if entity.code == "ACME-FR")
    carol = Employee.objects.get(user__username="carol")
    user_model = get_user_model()
    for username, first, last, title in REVIEWERS:
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@acme.example"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(group)
        employee, _ = Employee.objects.update_or_create(
            user=user,
            defaults={
                "job_title": title,
                "manager": carol,
                "default_legal_entity": france,
                "org_unit": OrgUnit.objects.filter(code="FR-ENG").first(),
            },
        )
        employee.legal_entities.set(entities)
        employee.roles.set([Role.objects.get_or_create(code=Role.APPROVER, defaults={"name": "Approver"})[0]])

    rules: list[dict[str, Any]] = [
        {
            "name": "Manager approval up to the signing limit",
            "position": 10,
            "effect": PurchasingRule.Effect.MANAGER_CHAIN,
        },
        {
            "name": "IT equipment needs an IT reviewer",
            "position": 20,
            "effect": PurchasingRule.Effect.GROUP,
            "unspsc_prefix": "43",
            "group": group,
            "mode": ApprovalMode.ANY,
        },
        {
            "name": "Finance above 5,000 EUR",
            "position": 30,
            "effect": PurchasingRule.Effect.ROLE,
            "role": PurchasingRule.RoleChoice.FINANCE,
            "min_amount_minor": to_minor("5000", "EUR"),
            "currency": "EUR",
        },
        {
            # FR-LAB has no such rule: its hard stop refuses outright, as the demo shows.
            "name": "IT budget overruns go to finance",
            "position": 5,
            "effect": PurchasingRule.Effect.BUDGET_EXCEPTION,
            "cost_centre": CostCentre.objects.get(code="FR-IT"),
            "role": PurchasingRule.RoleChoice.FINANCE,
        },
    ]
    for spec in rules:
        rule = PurchasingRule.objects.filter(name=spec["name"]).first() or PurchasingRule(name=spec["name"])
        for key, value in spec.items():
            setattr(rule, key, value)
        purchasing_rule_save(rule=rule)
    report(
        f"purchasing rules: {', '.join(spec['name'] for spec in rules)}; "
        f"group {IT_REVIEWERS}: {', '.join(r[0] for r in REVIEWERS)}"
    )
    seed_submitted(report)


SUBMITTED = [
    # title, line, quantity, price, supplier: once approved they become orders (cXML to LabSource, e-mail to Burotec)
    ("Ergonomic chairs for the lab", "Ergonomic lab chair", 2, "389.00", "LABSOURCE"),
    ("Conference room screen", '65" conference display with wall mount', 1, "2450.00", "BUROTEC"),
]


def seed_submitted(report: Callable[[str], None]) -> None:
    """Requisitions of alice's that wait in bob's inbox (made once)."""
    alice = Employee.objects.get(user__username="alice")
    france = LegalEntity.objects.get(code="ACME-FR")
    for title, description, quantity, price, supplier in SUBMITTED:
        if Requisition.objects.filter(requester=alice, title=title).exists():
            continue
        cart = requisition_create(by=alice, legal_entity=france, title=title, justification="Demo data")
        requisition_line_add_free_text(
            requisition=cart,
            by=alice,
            description=description,
            quantity=Decimal(quantity),
            unit="EA",
            unit_price=Money(Decimal(price), "EUR"),
            supplier=Supplier.objects.get(code=supplier),
        )
        requisition_submit(requisition=cart, by=alice)
    report(f"submitted for approval: {', '.join(title for title, *_ in SUBMITTED)} (bob's inbox)")
