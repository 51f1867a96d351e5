"""Who decides a supplier invoice on hold with a match exception, in what order.

1. a buyer of the invoice's legal entity (any one of those with the buyer role);
2. the requester of each order the exception lines bill (all of them; skipped for an invoice no order backs);
3. whoever the invoice-exception purchasing rules add (`PurchasingRule.applies_to`): finance above a variance, a
   named person for a supplier, a group for a cost centre. Their amount conditions compare the variance.

Whoever entered the invoice by hand never decides on it: they are left out of every stage, and when that leaves a
stage empty their manager stands in. A person appears once, at their first stage.

Reads only, in a constant number of queries. The facts come from `invoices.exceptions` (invoices sits above
approvals, so approvals never reads the invoices app's tables).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import gettext as _

from procurement.models import CostCentre, Employee, OrgUnit, Role
from procurement.money import Money
from procurement.selectors import employee_manager_chain

from .chain import Rates, ResolvedChain, Stage, _collapse, candidate_rules, rule_matches
from .models import ApprovalMode, PurchasingRule
from .step_texts import stored_amount, stored_label

BUYER_STAGE = "Buyer"


@dataclass(frozen=True)
class InvoiceFacts:
    """What routes an invoice exception, read once by `invoices.exceptions`."""

    invoice_id: int
    legal_entity_id: int
    supplier_id: int
    invoice_total: Money
    # The amount in question: the sum of the exception lines' differences from what was expected, each counted
    # positive (an overcharge and an undercharge do not cancel out).
    variance: Money
    requesters: tuple[Employee, ...]
    orders: tuple[str, ...]
    entered_by: Employee | None
    org_units: frozenset[int]
    cost_centres: frozenset[int]
    unspsc: frozenset[str]

    @property
    def total(self) -> Money:
        """What the rules' amount conditions compare: the variance, not the invoice's total."""
        return self.variance

    @property
    def suppliers(self) -> frozenset[int]:
        return frozenset({self.supplier_id})

    @property
    def sources(self) -> frozenset[str]:
        return frozenset()


def invoice_facts(
    *,
    invoice_id: int,
    legal_entity_id: int,
    supplier_id: int,
    invoice_total: Money,
    variance: Money,
    requesters: Iterable[Employee],
    orders: Iterable[str],
    entered_by: Employee | None,
    cost_centres: Iterable[int],
    unspsc: Iterable[str],
) -> InvoiceFacts:
    """The facts of an invoice exception; the org-unit condition looks at the requesters' units and above."""
    people = tuple({person.pk: person for person in requesters}.values())
    parents = dict(OrgUnit.objects.filter(legal_entity_id=legal_entity_id).values_list("id", "parent_id"))
    units: set[int] = set()
    for person in people:
        unit = person.org_unit_id
        while unit is not None and unit not in units:
            units.add(unit)
            unit = parents.get(unit)
    return InvoiceFacts(
        invoice_id=invoice_id,
        legal_entity_id=legal_entity_id,
        supplier_id=supplier_id,
        invoice_total=invoice_total,
        variance=variance,
        requesters=people,
        orders=tuple(dict.fromkeys(orders)),
        entered_by=entered_by,
        org_units=frozenset(units),
        cost_centres=frozenset(cost_centres),
        unspsc=frozenset(code for code in unspsc if code),
    )


def invoice_exception_chain_resolve(*, facts: InvoiceFacts) -> ResolvedChain:
    """The stages that decide an invoice exception, or the problems (a stage that names no one is left out and
    said; with no stage at all the invoice stays on hold in the buyers' queue)."""
    rates = Rates(facts.variance.currency)
    resolved = ResolvedChain(total=facts.invoice_total)
    rules = [
        rule
        for rule in candidate_rules(facts, PurchasingRule.AppliesTo.INVOICE_EXCEPTIONS)
        .select_related("approver__user", "group")
        .order_by("position", "id")
        if rule_matches(rule, facts, rates)
    ]
    resolved.rules = rules
    people = _People(facts, rules)
    stages: list[Stage] = []
    buyers = people.without_entered_by(people.role_members.get(Role.BUYER, []))
    if buyers:
        reason = "a buyer checks the invoice against the order"
        stages.append(Stage(BUYER_STAGE, reason, ApprovalMode.ANY, 1, buyers, None))
    else:
        resolved.problems.append(_("No one holds the buyer role for this legal entity."))
    requesters = people.without_entered_by(list(facts.requesters))
    if requesters:
        names = ", ".join(person.display_name for person in requesters)
        orders = ", ".join(facts.orders)
        stages.append(
            Stage(
                f"Requester: {names}",
                f"ordered on {orders}" if orders else "ordered it",
                ApprovalMode.ALL,
                len(requesters),
                requesters,
                None,
            )
        )
    for rule in rules:
        stage = _rule_stage(rule, facts, people)
        if stage is None:
            resolved.problems.append(
                _("The rule “%(name)s” names no one who may decide for this legal entity.") % {"name": rule.name}
            )
        else:
            stages.append(stage)
    resolved.stages = _collapse(stages)
    return resolved


class _People:
    """Everyone the stages may name, read at once: buyers and the rules' role holders, group members, cost-centre
    owners, and the manager who stands in for whoever entered the invoice."""

    def __init__(self, facts: InvoiceFacts, rules: list[PurchasingRule]) -> None:
        self.entered_by = facts.entered_by
        roles = {Role.BUYER} | {
            rule.role
            for rule in rules
            if rule.effect == PurchasingRule.Effect.ROLE and rule.role != PurchasingRule.RoleChoice.COST_CENTRE_OWNER
        }
        self.role_members: dict[str, list[Employee]] = defaultdict(list)
        for holder in (
            Employee.objects.filter(roles__code__in=roles, user__is_active=True, legal_entities=facts.legal_entity_id)
            .annotate(role_code=F("roles__code"))
            .select_related("user")
            .order_by("user__username")
        ):
            self.role_members[holder.role_code].append(holder)
        group_ids = {rule.group_id for rule in rules if rule.effect == PurchasingRule.Effect.GROUP and rule.group_id}
        self.members: dict[int, list[Employee]] = defaultdict(list)
        if group_ids:
            for member in (
                Employee.objects.filter(
                    user__groups__in=group_ids, user__is_active=True, legal_entities=facts.legal_entity_id
                )
                .annotate(group_id=F("user__groups__id"))
                .select_related("user")
                .order_by("user__username")
            ):
                self.members[member.group_id].append(member)
        self.owners: list[Employee] = []
        if any(rule.role == PurchasingRule.RoleChoice.COST_CENTRE_OWNER for rule in rules):
            self.owners = [
                centre.owner
                for centre in CostCentre.objects.filter(pk__in=facts.cost_centres, owner__isnull=False)
                .select_related("owner__user")
                .order_by("code")
                if centre.owner is not None
            ]
        self._stand_in: Employee | None = None
        self._stand_in_read = False

    def stand_in(self) -> Employee | None:
        """The manager of whoever entered the invoice (read once, when first needed)."""
        if not self._stand_in_read and self.entered_by is not None:
            self._stand_in = next(
                (m for m in employee_manager_chain(employee=self.entered_by) if m.pk != self.entered_by.pk), None
            )
            self._stand_in_read = True
        return self._stand_in

    def without_entered_by(self, candidates: list[Employee]) -> tuple[Employee, ...]:
        """The candidates, never whoever entered the invoice; their manager stands in when no one else is left."""
        entered = self.entered_by
        eligible = [person for person in candidates if entered is None or person.pk != entered.pk]
        if not eligible and len(candidates) > 0:
            manager = self.stand_in()
            if manager is not None:
                eligible = [manager]
        return tuple({person.pk: person for person in eligible}.values())


def _rule_stage(rule: PurchasingRule, facts: InvoiceFacts, people: _People) -> Stage | None:
    """The stage one invoice-exception rule adds, or None when it names no one."""
    reason = f"variance {stored_amount(facts.variance)}"
    mode: str = ApprovalMode.ANY
    required = 1
    if rule.effect == PurchasingRule.Effect.NAMED_APPROVER and rule.approver is not None:
        chosen = people.without_entered_by([rule.approver])
        reason = f"{reason} · named by the rule"
    elif rule.effect == PurchasingRule.Effect.GROUP and rule.group is not None:
        chosen = people.without_entered_by(people.members.get(rule.group.pk, []))
        mode = rule.mode
        required = rule.required_count if mode == ApprovalMode.N_OF_M else 1
        if mode == ApprovalMode.N_OF_M and len(chosen) < required:
            return None
        reason = f"{reason} · group {rule.group.name}"
    elif rule.effect == PurchasingRule.Effect.ROLE and rule.role == PurchasingRule.RoleChoice.COST_CENTRE_OWNER:
        chosen = people.without_entered_by(people.owners)
        mode = ApprovalMode.ALL
        required = len(chosen)
        reason = f"{reason} · role: {stored_label(PurchasingRule.RoleChoice(rule.role).label)}"
    elif rule.effect == PurchasingRule.Effect.ROLE:
        chosen = people.without_entered_by(people.role_members.get(rule.role, []))
        reason = f"{reason} · role: {stored_label(PurchasingRule.RoleChoice(rule.role).label)}"
    else:
        return None
    if not chosen:
        return None
    return Stage(rule.name, reason, mode, required, chosen, rule, rule.sla_hours)
