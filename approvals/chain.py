"""Resolve who must approve a requisition, in what order, from the purchasing rules and the hierarchy.

Reads only, in a constant number of queries whatever the depth of the hierarchy or the number of lines.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import BooleanField, DateField, F, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.contract_ledger import contracts_over_cap
from procurement.models import CostCentre, Employee, OrgUnit
from procurement.money import Money, convert_minor
from procurement.selectors import exchange_rate_get, manager_chain_ids_sql, manager_chain_walk
from procurement.sql import sql_column, sql_instance, sql_related, sql_select_list, sql_table
from requisitions.models import Requisition

from .models import ApprovalMode, Delegation, PurchasingRule
from .step_texts import stored_amount, stored_label


@dataclass(frozen=True)
class Stage:
    name: str
    reason: str
    mode: str
    required_count: int
    approvers: tuple[Employee, ...]
    rule: PurchasingRule | None
    sla_hours: int = 72


@dataclass
class ResolvedChain:
    total: Money
    stages: list[Stage] = field(default_factory=list)
    auto_approved: bool = False
    blocked: str = ""
    # Set when a hard-stop budget is exceeded and no budget-exception rule sends it to finance.
    budget_refused: str = ""
    problems: list[str] = field(default_factory=list)
    rules: list[PurchasingRule] = field(default_factory=list)


@dataclass(frozen=True)
class RequisitionFacts:
    """What the rules look at, read once."""

    total: Money
    legal_entity_id: int
    requester: Employee
    org_units: frozenset[int]  # the requester's unit and every unit above it
    cost_centres: frozenset[int]
    unspsc: frozenset[str]
    suppliers: frozenset[int]
    sources: frozenset[str]
    # Contract lines would order more than is left of their contract's cap (procurement.contract_ledger).
    over_contract_cap: bool = False


class RuleFacts(Protocol):
    """What a rule's conditions look at: a requisition's facts, or an invoice exception's (approvals.invoice_chain).
    `total` is what the amount conditions compare: a requisition's total, an invoice's variance."""

    @property
    def total(self) -> Money: ...
    @property
    def legal_entity_id(self) -> int: ...
    @property
    def org_units(self) -> frozenset[int]: ...
    @property
    def cost_centres(self) -> frozenset[int]: ...
    @property
    def unspsc(self) -> frozenset[str]: ...
    @property
    def suppliers(self) -> frozenset[int]: ...
    @property
    def sources(self) -> frozenset[str]: ...


class Rates:
    """Exchange rates looked up once per currency pair during one resolution."""

    def __init__(self, to_currency: str) -> None:
        self.to_currency = to_currency
        self._rates: dict[str, Decimal | None] = {}

    def convert_minor(self, minor: int, currency: str) -> int | None:
        if currency == self.to_currency:
            return minor
        if currency not in self._rates:
            self._rates[currency] = exchange_rate_get(from_currency=currency, to_currency=self.to_currency)
        rate = self._rates[currency]
        if rate is None:
            return None
        return convert_minor(minor, from_currency=currency, to_currency=self.to_currency, rate=rate)


def requisition_facts(*, requisition: Requisition) -> RequisitionFacts:
    requester = requisition.requester
    # The lines with their splits, read once per submission (requisitions' submission check reads them: then
    # this reads nothing), else two queries.
    prefetch_related_objects([requisition], "lines__splits")
    lines = [(line.cost_centre_id, line.unspsc, line.supplier_id, line.source) for line in requisition.lines.all()]
    # What the lines priced from contracts would order under each (one read, none without such lines).
    by_contract: dict[int, int] = {}
    for line in requisition.lines.all():
        if line.contract_id:
            by_contract[line.contract_id] = by_contract.get(line.contract_id, 0) + line.total_minor
    split_centres = [split.cost_centre_id for line in requisition.lines.all() for split in line.splits.all()]
    # The requester's unit and those above it: read with the submission's lock, else here.
    units: set[int] = set(getattr(requisition, "requester_org_units", None) or ())
    if not hasattr(requisition, "requester_org_units"):
        parents = dict(
            OrgUnit.objects.filter(legal_entity_id=requisition.legal_entity_id)
            .order_by()
            .values_list("id", "parent_id")
        )
        unit = requester.org_unit_id
        while unit is not None and unit not in units:
            units.add(unit)
            unit = parents.get(unit)
    return RequisitionFacts(
        total=Money.from_minor(requisition.total_minor or 0, requisition.currency),
        legal_entity_id=requisition.legal_entity_id,
        requester=requester,
        org_units=frozenset(units),
        cost_centres=frozenset({c for c, _, _, _ in lines if c} | set(split_centres)),
        unspsc=frozenset(u for _, u, _, _ in lines if u),
        suppliers=frozenset(s for _, _, s, _ in lines if s),
        sources=frozenset(s for _, _, _, s in lines),
        over_contract_cap=bool(by_contract) and bool(contracts_over_cap(amounts=by_contract)),
    )


def rule_matches(rule: PurchasingRule, facts: RuleFacts, rates: Rates) -> bool:
    """Every condition that is set must hold; amounts compare in the currency of the facts' total."""
    if rule.legal_entity_id and rule.legal_entity_id != facts.legal_entity_id:
        return False
    if rule.org_unit_id and rule.org_unit_id not in facts.org_units:
        return False
    if rule.cost_centre_id and rule.cost_centre_id not in facts.cost_centres:
        return False
    if rule.unspsc_prefix and not any(code.startswith(rule.unspsc_prefix) for code in facts.unspsc):
        return False
    if rule.supplier_id and rule.supplier_id not in facts.suppliers:
        return False
    if rule.line_source and rule.line_source not in facts.sources:
        return False
    if rule.over_contract_cap and not getattr(facts, "over_contract_cap", False):
        return False
    total = facts.total.minor
    if rule.min_amount_minor is not None:
        low = rates.convert_minor(rule.min_amount_minor, rule.currency)
        if low is None or total <= low:
            return False
    if rule.max_amount_minor is not None:
        high = rates.convert_minor(rule.max_amount_minor, rule.currency)
        if high is None or total > high:
            return False
    return True


def candidate_rules(
    facts: RuleFacts, applies_to: str = PurchasingRule.AppliesTo.REQUISITIONS
) -> QuerySet[PurchasingRule]:
    """Rules (for requisitions, or for invoice exceptions) whose conditions other than the amount can hold,
    narrowed in SQL so thousands of rules stay cheap.

    `rule_matches` still checks every condition; this only keeps the database from sending the others. The
    conditions are SQL text (identifiers from the model, values as parameters): as a dozen Q objects, Django took
    longer to build them than the database takes to run the query.
    """
    condition, params = _candidate_condition(facts)
    return PurchasingRule.objects.filter(is_active=True, applies_to=applies_to).filter(
        RawSQL(condition, params, output_field=BooleanField())  # noqa: S611
    )


def _candidate_condition(facts: RuleFacts) -> tuple[str, list[Any]]:
    """`candidate_rules`' conditions as SQL text on the rules' table (unaliased) and their parameters."""
    prefixes = {code[:length] for code in facts.unspsc for length in (2, 4, 6, 8) if len(code) >= length}
    entity = _column("legal_entity")
    sql: list[str] = [f"{entity} IS NULL OR {entity} = %s"]
    params: list[Any] = [facts.legal_entity_id]
    for name, empty, values in (
        ("org_unit", "IS NULL", facts.org_units),
        ("cost_centre", "IS NULL", facts.cost_centres),
        ("supplier", "IS NULL", facts.suppliers),
        ("line_source", "= ''", facts.sources),
        ("unspsc_prefix", "= ''", prefixes),
    ):
        column = _column(name)
        # A rule without the condition, or with one of the values (no value: only rules without it).
        sql.append(f"{column} {empty}" + (f" OR {column} IN ({', '.join(['%s'] * len(values))})" if values else ""))
        params.extend(sorted(values))
    return " AND ".join(f"({part})" for part in sql), params


def in_amount_band(facts: RuleFacts) -> RawSQL:
    """Rules whose amount band in the total's own currency holds the total, or whose band is in another currency
    (`rule_matches` compares those after conversion at stored rates): the amount bands filtered in SQL (text, as
    `candidate_rules`)."""
    sql, params = _amount_band_condition(facts)
    return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611  (identifiers from the model, values as parameters)


def _amount_band_condition(facts: RuleFacts) -> tuple[str, list[Any]]:
    low, high = _column("min_amount_minor"), _column("max_amount_minor")
    total = facts.total.minor
    return (
        f"{_column('currency')} <> %s OR (({low} IS NULL OR {low} < %s) AND ({high} IS NULL OR {high} >= %s))",
        [facts.total.currency, total, total],
    )


def _column(name: str) -> str:
    """A column of the rules' table, qualified (the query joins other tables)."""
    return f"{sql_table(PurchasingRule._meta)}.{sql_column(PurchasingRule._meta, name)}"


def approval_chain_resolve(*, requisition: Requisition) -> ResolvedChain:
    """The stages that must approve this requisition, with the reasons, or the problems that stop it.

    In order: the facts the rules look at; the rules that apply (a budget exception first, or refused without
    one); a block or an automatic approval ends it there; otherwise everyone the rules name is read at once
    and each rule becomes a stage; a person appears once, at their first stage.
    """
    facts = requisition_facts(requisition=requisition)
    rates = Rates(requisition.currency)
    resolved = ResolvedChain(total=facts.total)
    if requisition.total_minor is None:
        # A line's currency has no stored rate: the total is unknown, never 0.00 (docs/money.md).
        resolved.problems.extend(requisition.missing_rates or [_("The total cannot be converted at stored rates.")])
        return resolved
    matching = _rules_that_apply(requisition, facts, rates, resolved)
    if resolved.budget_refused:
        return resolved
    resolved.rules = matching
    if _blocked_or_approved_outright(requisition, matching, resolved):
        return resolved
    candidates = _candidates(requisition, facts, matching)
    for rule in _with_default_manager_chain(matching):
        _stage_add(rule, requisition, facts, rates, candidates, resolved)
        if resolved.budget_refused:
            return resolved
    resolved.stages = _collapse(resolved.stages)
    if not resolved.stages and not resolved.problems:
        resolved.problems.append(_("No purchasing rule names an approver for this requisition."))
    return resolved


def _rules_that_apply(
    requisition: Requisition, facts: RequisitionFacts, rates: Rates, resolved: ResolvedChain
) -> list[PurchasingRule]:
    """The approval rules whose conditions hold, in position order. Budget-exception rules act only on a
    requisition over a hard-stop budget (set by the budget check): the first one leads the chain; with none,
    the requisition is refused (`resolved.budget_refused`)."""
    rules = _requisition_rules(facts)
    # Holding orders for a buyer is not an approval stage: purchase orders read those rules.
    matching = [
        rule
        for rule in rules
        if rule.effect != PurchasingRule.Effect.HOLD_FOR_BUYER and rule_matches(rule, facts, rates)
    ]
    exception_rules = [rule for rule in matching if rule.effect == PurchasingRule.Effect.BUDGET_EXCEPTION]
    matching = [rule for rule in matching if rule.effect != PurchasingRule.Effect.BUDGET_EXCEPTION]
    if requisition.budget_exception:
        if not exception_rules:
            resolved.budget_refused = requisition.budget_exception
            return []
        matching = exception_rules[:1] + matching
    return matching


def _requisition_rules(facts: RequisitionFacts) -> list[PurchasingRule]:
    """The active requisition rules that may apply (`candidate_rules` in the amount band, `in_amount_band`) in
    position order, each with its named approver and their user account and its group, as
    `select_related("approver__user", "group")` reads them: one query, as SQL text (identifiers from the models,
    values as parameters), which the ORM took several times longer to build than the database to run."""
    rules, people, accounts, groups = PurchasingRule._meta, Employee._meta, get_user_model()._meta, Group._meta
    table = sql_table(rules)
    condition, params = _candidate_condition(facts)
    band, band_params = _amount_band_condition(facts)
    sql = (  # identifiers from the models, values as parameters
        f"SELECT {sql_select_list(rules, table)}, {sql_select_list(people, 'ap')}, {sql_select_list(accounts, 'au')},"  # noqa: S608
        f" {sql_select_list(groups, 'ag')} FROM {table}"
        f" LEFT OUTER JOIN {sql_table(people)} ap ON ap.{sql_column(people, 'pk')} = {_column('approver')}"
        f" LEFT OUTER JOIN {sql_table(accounts)} au"
        f" ON au.{sql_column(accounts, 'pk')} = ap.{sql_column(people, 'user')}"
        f" LEFT OUTER JOIN {sql_table(groups)} ag ON ag.{sql_column(groups, 'pk')} = {_column('group')}"
        f" WHERE {_column('is_active')} = %s AND {_column('applies_to')} = %s AND ({condition}) AND ({band})"
        f" ORDER BY {_column('position')} ASC, {_column('pk')} ASC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [True, PurchasingRule.AppliesTo.REQUISITIONS.value, *params, *band_params])
        fetched = cursor.fetchall()
    found: list[PurchasingRule] = []
    for row in fetched:
        rule, at = sql_instance(PurchasingRule, row)
        approver, at = sql_instance(Employee, row, at)
        account, at = sql_instance(get_user_model(), row, at)
        group, at = sql_instance(Group, row, at)
        assert isinstance(rule, PurchasingRule)
        sql_related(rule, "approver", approver)
        if approver is not None:
            sql_related(approver, "user", account)
        sql_related(rule, "group", group)
        found.append(rule)
    return found


def _blocked_or_approved_outright(
    requisition: Requisition, matching: list[PurchasingRule], resolved: ResolvedChain
) -> bool:
    """A blocking rule stops the requisition; an auto-approve rule approves it (never over a budget)."""
    blocks = [rule for rule in matching if rule.effect == PurchasingRule.Effect.BLOCK]
    if blocks:
        resolved.blocked = blocks[0].message or _("Blocked by the rule “%(name)s”.") % {"name": blocks[0].name}
        return True
    if not requisition.budget_exception and any(rule.effect == PurchasingRule.Effect.AUTO_APPROVE for rule in matching):
        resolved.auto_approved = True
        return True
    return False


def _with_default_manager_chain(matching: list[PurchasingRule]) -> list[PurchasingRule]:
    """With no rule that applies (a budget exception aside), the corporate hierarchy decides: managers up to a
    covering limit."""
    if [rule for rule in matching if rule.effect != PurchasingRule.Effect.BUDGET_EXCEPTION]:
        return matching
    return [*matching, PurchasingRule(name="Manager approval (default)", effect=PurchasingRule.Effect.MANAGER_CHAIN)]


@dataclass
class Candidates:
    """Everyone the rules may name, read once: the requester's managers, group members, role holders and the
    owners of the charged cost centres."""

    requester: Employee
    managers: list[Employee]
    members: dict[int, list[Employee]]
    role_members: dict[str, list[Employee]]
    owners: list[Employee]

    def stand_in(self, people: list[Employee]) -> list[Employee]:
        """Never the requester: their manager signs in their place."""
        eligible = [person for person in people if person.pk != self.requester.pk]
        if len(eligible) < len(people) and self.managers and all(m.pk != self.managers[0].pk for m in eligible):
            eligible.append(self.managers[0])
        return eligible


def _candidates(requisition: Requisition, facts: RequisitionFacts, matching: list[PurchasingRule]) -> Candidates:
    matching = _with_default_manager_chain(matching)
    group_ids = {
        rule.group_id
        for rule in matching
        if rule.effect in (PurchasingRule.Effect.GROUP, PurchasingRule.Effect.BUDGET_EXCEPTION) and rule.group_id
    }
    members: dict[int, list[Employee]] = defaultdict(list)
    if group_ids:
        for member in (
            Employee.objects.filter(
                user__groups__in=group_ids, user__is_active=True, legal_entities=facts.legal_entity_id
            )
            .annotate(group_id=F("user__groups__id"))
            .select_related("user")
            .order_by("user__username")
        ):
            members[member.group_id].append(member)
    roles_wanted = {rule.role for rule in matching if rule.effect == PurchasingRule.Effect.ROLE} | {
        rule.role or PurchasingRule.RoleChoice.FINANCE
        for rule in matching
        if rule.effect == PurchasingRule.Effect.BUDGET_EXCEPTION and not rule.group_id and not rule.approver_id
    }
    roles_wanted -= {PurchasingRule.RoleChoice.COST_CENTRE_OWNER}
    managers, role_members = _managers_and_role_holders(facts.requester, facts.legal_entity_id, sorted(roles_wanted))
    owners: list[Employee] = []
    if any(rule.role == PurchasingRule.RoleChoice.COST_CENTRE_OWNER for rule in matching):
        owners = [
            c.owner
            for c in CostCentre.objects.filter(pk__in=facts.cost_centres, owner__isnull=False)
            .select_related("owner__user")
            .order_by("code")
            if c.owner is not None
        ]
    return Candidates(facts.requester, managers, members, role_members, owners)


def _managers_and_role_holders(
    requester: Employee, legal_entity_id: int, roles: list[str]
) -> tuple[list[Employee], dict[str, list[Employee]]]:
    """The requester's managers, their manager and so on to the top (`procurement.selectors.employee_manager_chain`),
    and the holders of `roles` among the entity's active members (by username), read in one query. Each comes with
    `away_delegate_id`, their delegate today if they are away (`approvals.selectors.delegate_for`), so the first
    stage's tasks are assigned without reading delegations again (approvals.services._steps_store).

    As SQL text (identifiers from the models, values as parameters), read into the instances Django's
    `select_related("user")` would make: the recursive chain and the annotations built by Django's expressions cost
    several times the query's own time to compile."""
    if requester.manager_id is None and not roles:
        return [], {}
    people, people_roles, members = Employee._meta, Employee.roles.through._meta, Employee.legal_entities.through._meta
    table, pk = sql_table(people), sql_column(people, "pk")
    role_employee, role = sql_column(people_roles, "employee"), sql_column(people_roles, "role")
    wanted = ", ".join(["%s"] * len(roles))
    parts: list[str] = []
    params: list[object] = []
    if requester.manager_id is not None:
        chain_sql, chain_params = manager_chain_ids_sql(requester.manager_id)
        parts.append(f"SELECT c.id FROM ({chain_sql}) c")  # noqa: S608 - identifiers from the models
        params.extend(chain_params)
    if roles:
        parts.append(f"SELECT r.{role_employee} FROM {sql_table(people_roles)} r WHERE r.{role} IN ({wanted})")  # noqa: S608
        params.extend(roles)
    today = DateField().get_db_prep_value(timezone.localdate(), connection)
    user = get_user_model()._meta
    columns = [f"({_delegate_today_sql()})"]
    column_params: list[Any] = [today, today]
    if roles:
        # The wanted roles each holds (JSON), and whether they are a member of the entity (a role holder must be).
        columns.append(
            f"(SELECT {_JSON_ARRAY[connection.vendor].format('r.' + role)} FROM {sql_table(people_roles)} r "  # noqa: S608
            f"WHERE r.{role_employee} = {table}.{pk} AND r.{role} IN ({wanted}))"
        )
        columns.append(
            f"EXISTS (SELECT 1 FROM {sql_table(members)} m WHERE m.{sql_column(members, 'employee')} = {table}.{pk} "  # noqa: S608
            f"AND m.{sql_column(members, 'legalentity')} = %s)"
        )
        column_params.extend([*roles, legal_entity_id])
    sql = (
        f"SELECT {sql_select_list(people, table)}, {sql_select_list(user, 'u')}, {', '.join(columns)} "  # noqa: S608
        f"FROM {table} INNER JOIN {sql_table(user)} u"
        f" ON u.{sql_column(user, 'pk')} = {table}.{sql_column(people, 'user')}"
        f" WHERE {table}.{pk} IN ({' UNION '.join(parts)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*column_params, *params])  # type: ignore[list-item]
        fetched = cursor.fetchall()
    rows: list[Employee] = []
    for row in fetched:
        person, at = sql_instance(Employee, row)
        account, at = sql_instance(get_user_model(), row, at)
        assert isinstance(person, Employee)
        sql_related(person, "user", account)
        person.away_delegate_id = row[at]  # type: ignore[attr-defined]
        if roles:
            held_roles = row[at + 1]
            person.held_roles = json.loads(held_roles) if isinstance(held_roles, str) else held_roles  # type: ignore[attr-defined]
            person.is_member = bool(row[at + 2])  # type: ignore[attr-defined]
        rows.append(person)
    found = {person.pk: person for person in rows}
    managers = manager_chain_walk(requester, found)
    role_members: dict[str, list[Employee]] = defaultdict(list)
    for person in sorted(found.values(), key=lambda person: person.user.username) if roles else ():
        if person.user.is_active and person.is_member:  # type: ignore[attr-defined]
            for code in sorted(person.held_roles or ()):  # type: ignore[attr-defined]
                role_members[code].append(person)
    return managers, role_members


_JSON_ARRAY = {"postgresql": "COALESCE(JSONB_AGG({}), '[]'::jsonb)", "sqlite": "JSON_GROUP_ARRAY({})"}


# The delegate of the outer query's employee today, the newest delegation winning (approvals.selectors.delegate_for).
def _delegate_today_sql() -> str:
    away, table = Delegation._meta, sql_table(Employee._meta)
    return (
        f"SELECT d.{sql_column(away, 'delegate')} FROM {sql_table(away)} d"  # noqa: S608 - identifiers from the models
        f" WHERE d.{sql_column(away, 'employee')} = {table}.{sql_column(Employee._meta, 'pk')}"
        f" AND d.{sql_column(away, 'starts_on')} <= %s AND d.{sql_column(away, 'ends_on')} >= %s"
        f" ORDER BY d.{sql_column(away, 'created_at')} DESC, d.{sql_column(away, 'pk')} DESC LIMIT 1"
    )


def _stage_add(
    rule: PurchasingRule,
    requisition: Requisition,
    facts: RequisitionFacts,
    rates: Rates,
    candidates: Candidates,
    resolved: ResolvedChain,
) -> None:
    """The stage one rule asks for, added to the chain; or the problem that it names no one (a budget-exception
    rule naming no one refuses the requisition: `resolved.budget_refused`)."""
    requester = candidates.requester
    if rule.effect == PurchasingRule.Effect.BUDGET_EXCEPTION:
        if rule.approver is not None:
            people = candidates.stand_in([rule.approver])
        elif rule.group is not None:
            people = [person for person in candidates.members.get(rule.group.pk, []) if person.pk != requester.pk]
        else:
            people = candidates.stand_in(
                candidates.role_members.get(rule.role or PurchasingRule.RoleChoice.FINANCE, [])
            )
        if not people:
            resolved.budget_refused = _(
                "%(budget_exception)s The budget-exception rule “%(name)s” names no one who may approve it."
            ) % {"budget_exception": requisition.budget_exception, "name": rule.name}
            return
        resolved.stages.append(
            Stage(
                f"Budget exception: {rule.name}",
                requisition.budget_exception,
                ApprovalMode.ANY,
                1,
                tuple(people),
                rule,
                rule.sla_hours,
            )
        )
    elif rule.effect == PurchasingRule.Effect.MANAGER_CHAIN:
        resolved.stages.extend(_manager_stages(rule, candidates.managers, facts, rates, resolved.problems))
    elif rule.effect == PurchasingRule.Effect.NAMED_APPROVER and rule.approver is not None:
        people = candidates.stand_in([rule.approver])
        resolved.stages.append(
            Stage(
                rule.name,
                f"named by the rule “{rule.name}”",
                ApprovalMode.ANY,
                1,
                tuple(people),
                rule,
                rule.sla_hours,
            )
        )
    elif rule.effect == PurchasingRule.Effect.GROUP and rule.group is not None:
        people = [person for person in candidates.members.get(rule.group.pk, []) if person.pk != requester.pk]
        required = rule.required_count if rule.mode == ApprovalMode.N_OF_M else 1
        if not people or (rule.mode == ApprovalMode.N_OF_M and len(people) < required):
            resolved.problems.append(
                _("The group %(name)s has too few members who may approve for this legal entity.")
                % {"name": rule.group.name}
            )
            return
        resolved.stages.append(
            Stage(
                rule.name,
                f"group {rule.group.name}",
                rule.mode,
                required,
                tuple(people),
                rule,
                rule.sla_hours,
            )
        )
    elif rule.effect == PurchasingRule.Effect.ROLE:
        if rule.role == PurchasingRule.RoleChoice.COST_CENTRE_OWNER:
            people, mode = candidates.stand_in(_unique(candidates.owners)), ApprovalMode.ALL
        else:
            people, mode = candidates.stand_in(candidates.role_members.get(rule.role, [])), ApprovalMode.ANY
        if not people:
            resolved.problems.append(
                _("No one holds the role %(role)s for this legal entity.") % {"role": rule.get_role_display().lower()}
            )
            return
        resolved.stages.append(
            Stage(
                rule.name,
                f"role: {stored_label(PurchasingRule.RoleChoice(rule.role).label)}",
                mode,
                len(people) if mode == ApprovalMode.ALL else 1,
                tuple(people),
                rule,
                rule.sla_hours,
            )
        )


def _unique(people: list[Employee]) -> list[Employee]:
    """Each person once, in the order they first appear."""
    return list({person.pk: person for person in people}.values())


def _manager_stages(
    rule: PurchasingRule, managers: list[Employee], facts: RequisitionFacts, rates: Rates, problems: list[str]
) -> list[Stage]:
    """Up the manager chain until someone's signing limit covers the total. Managers with the same limit (most of
    a deep hierarchy) share its conversion and its text, worked out once."""
    stages = []
    total = facts.total
    limits: dict[tuple[int, str], tuple[bool, str]] = {}  # (minor, currency) -> (covers the total, reason)
    for manager in managers:
        if manager.pk == facts.requester.pk:
            continue
        if manager.signing_limit_minor is None:
            covered, reason = True, "no signing limit"
        else:
            key = (manager.signing_limit_minor, manager.signing_limit_currency)
            if key not in limits:
                limit = Money.from_minor(*key)
                converted = rates.convert_minor(limit.minor, limit.currency)
                limits[key] = (
                    converted is not None and converted >= total.minor,
                    f"signing limit {stored_amount(limit)}",
                )
            covered, reason = limits[key]
        if covered or not rule.skip_insufficient:
            stages.append(
                Stage(f"Manager: {manager.display_name}", reason, ApprovalMode.ANY, 1, (manager,), rule, rule.sla_hours)
            )
        if covered:
            return [stages[-1]] if rule.skip_insufficient else stages
    problems.append(
        _("No one in %(display_name)s's manager chain may sign %(total)s.")
        % {"display_name": facts.requester.display_name, "total": total}
    )
    return []


def _collapse(stages: list[Stage]) -> list[Stage]:
    """A person appears once, at their first stage; stages left without anyone disappear."""
    seen: set[int] = set()
    collapsed = []
    for stage in stages:
        people = tuple(person for person in stage.approvers if person.pk not in seen)
        seen |= {person.pk for person in people}
        if not people:
            continue
        required = min(stage.required_count, len(people)) if stage.mode != ApprovalMode.ANY else 1
        if stage.mode == ApprovalMode.ALL:
            required = len(people)
        collapsed.append(Stage(stage.name, stage.reason, stage.mode, required, people, stage.rule, stage.sla_hours))
    return collapsed
