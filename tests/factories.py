"""factory_boy factories: the core domain, purchasing rules and budgets; and `company()`, a small company built
from them for the approval and budget tests (its values are stated here, not taken from the demo seed)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from approvals.models import ApprovalMode, PurchasingRule
from budgets.ledger import ledger_write
from budgets.models import Budget, BudgetEntry
from procurement.models import (
    Address,
    CatalogItem,
    CatalogItemAttribute,
    Category,
    CostCentre,
    CustomCatalog,
    Employee,
    ExchangeRate,
    LegalEntity,
    OrgUnit,
    PriceList,
    Role,
    Supplier,
)
from procurement.money import to_minor

PASSWORD = "secret-pass"


class LegalEntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalEntity
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"ENT-{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code} Ltd")
    currency = "EUR"
    po_number_prefix = factory.LazyAttribute(lambda o: f"{o.code}-")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.LazyAttribute(lambda o: o.username.capitalize())
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    legal_entity = factory.SubFactory(LegalEntityFactory)
    code = factory.Sequence(lambda n: f"OU-{n}")
    name = factory.LazyAttribute(lambda o: f"Unit {o.code}")


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    job_title = "Engineer"

    @factory.post_generation
    def legal_entities(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            obj.legal_entities.set(extracted)
            obj.default_legal_entity = extracted[0]
            obj.save(update_fields=["default_legal_entity"])

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            # Roles come from a data migration, which tests that flush the database (live server) remove.
            obj.roles.set(
                [Role.objects.get_or_create(code=code, defaults={"name": Role.ALL[code]})[0] for code in extracted]
            )

    @factory.post_generation
    def cost_centres(obj, create, extracted, **kwargs):  # noqa: N805
        """The cost centres the employee may charge besides their default one."""
        if create and extracted:
            obj.cost_centres.set(extracted)


class CostCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostCentre

    legal_entity = factory.SubFactory(LegalEntityFactory)
    code = factory.Sequence(lambda n: f"CC-{n}")
    name = factory.LazyAttribute(lambda o: f"Cost centre {o.code}")


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"SUP-{n}")
    name = factory.LazyAttribute(lambda o: f"Supplier {o.code}")
    currency = "EUR"
    # Orders to test suppliers print in English; a blank language follows the entity's country (FR: French).
    language = "en"


class CatalogItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogItem

    supplier = factory.SubFactory(SupplierFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Item {n}")
    unspsc = "44121704"
    unit = "EA"
    base_price_minor = 10000
    currency = factory.LazyAttribute(lambda o: o.supplier.currency)


class CatalogItemAttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogItemAttribute

    item = factory.SubFactory(CatalogItemFactory)
    name = "colour"
    value = "black"


class PriceListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceList
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"PL-{n}")
    name = factory.LazyAttribute(lambda o: f"Price list {o.code}")
    adjustment = PriceList.Adjustment.PERCENT
    percent_off = Decimal("10.00")

    @factory.post_generation
    def legal_entities(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            obj.legal_entities.set(extracted)


class CustomCatalogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomCatalog

    code = factory.Sequence(lambda n: f"CAT-{n}")
    name = factory.LazyAttribute(lambda o: f"Catalog {o.code}")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    legal_entity = factory.SubFactory(LegalEntityFactory)
    kind = Address.Kind.SHIP_TO
    name = factory.LazyAttribute(lambda o: f"{o.legal_entity.name} warehouse")
    street = "1 Test Street"
    postal_code = "75001"
    city = "Paris"
    country = "FR"
    is_default = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = "4412"
    name = "Office supplies"


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    """1 `from_currency` = `rate` `to_currency` from `valid_from` on (the inverse direction is derived)."""

    class Meta:
        model = ExchangeRate

    from_currency = "EUR"
    to_currency = "SEK"
    rate = Decimal("11.2500000000")
    valid_from = factory.LazyFunction(lambda: date(date.today().year, 1, 1))


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ["name"]
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Group {n}")

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):  # noqa: N805
        """Employees (or users) in the group."""
        if create and extracted:
            obj.user_set.add(*[getattr(member, "user", member) for member in extracted])


class PurchasingRuleFactory(factory.django.DjangoModelFactory):
    """A rule saved as an administrator saves it: through the service, so it has its first version."""

    class Meta:
        model = PurchasingRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    position = 100
    effect = PurchasingRule.Effect.MANAGER_CHAIN

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from approvals.services import purchasing_rule_save

        return purchasing_rule_save(rule=model_class(*args, **kwargs))


class BudgetFactory(factory.django.DjangoModelFactory):
    """A budget of the current calendar year for a cost centre, in the cost centre's entity."""

    class Meta:
        model = Budget

    cost_centre = factory.SubFactory(CostCentreFactory)
    legal_entity = factory.LazyAttribute(lambda o: o.cost_centre.legal_entity)
    period_label = factory.LazyFunction(lambda: str(date.today().year))
    period_start = factory.LazyFunction(lambda: date(date.today().year, 1, 1))
    period_end = factory.LazyFunction(lambda: date(date.today().year, 12, 31))
    amount_minor = 100_000_00
    currency = factory.LazyAttribute(lambda o: o.legal_entity.currency)
    control = Budget.Control.HARD


class BudgetEntryFactory(factory.django.DjangoModelFactory):
    """By default: money spent before the system went live (an actual, in the budget's currency)."""

    class Meta:
        model = BudgetEntry

    budget = factory.SubFactory(BudgetFactory)
    kind = BudgetEntry.Kind.ACTUAL
    amount_minor = 100_00
    source_amount_minor = factory.LazyAttribute(lambda o: o.amount_minor)
    source_currency = factory.LazyAttribute(lambda o: o.budget.currency)
    rate = Decimal(1)
    note = "Spent before this system went live"

    @classmethod
    def _create(cls, model_class: type[BudgetEntry], *args: Any, **kwargs: Any) -> BudgetEntry:
        """Through the ledger's one writer, so the budget's running balances move with the entry."""
        return ledger_write([model_class(*args, **kwargs)])[0]


@dataclass
class Company:
    """The people and purchasing rules of `company()`."""

    france: LegalEntity
    sweden: LegalEntity
    dave: Employee
    carol: Employee
    bob: Employee
    alice: Employee
    erin: Employee
    frank: Employee
    manager_chain: PurchasingRule
    finance_review: PurchasingRule


@dataclass
class ItReview:
    """The IT reviewers of `it_review(company)` and their rule."""

    ivan: Employee
    ines: Employee
    group: Group
    rule: PurchasingRule


def _person(username, first_name, last_name, *, entities, manager=None, limit_eur=None, roles=(), **fields):
    return EmployeeFactory(
        user=UserFactory(
            username=username, first_name=first_name, last_name=last_name, email=f"{username}@acme.example"
        ),
        legal_entities=entities,
        manager=manager,
        signing_limit_minor=None if limit_eur is None else to_minor(limit_eur, "EUR"),
        signing_limit_currency="" if limit_eur is None else "EUR",
        roles=list(roles),
        **fields,
    )


def company() -> Company:
    """Acme, a company of two entities, for the approval and budget tests.

    - ACME-FR (EUR) and ACME-SE (SEK), 1 EUR = 11.25 SEK this year; everyone works in both, from ACME-FR,
      charging cost centre FR-ENG by default.
    - The manager chain alice → bob (signs up to 1,000 EUR) → carol (10,000 EUR) → dave (100,000 EUR);
      erin is finance (no limit, reports to dave), frank a buyer (reports to erin).
    - Two purchasing rules: the manager chain up to the signing limit (position 10); finance above 5,000 EUR (30).
    """
    france = LegalEntityFactory(code="ACME-FR", name="Acme France SAS", currency="EUR", po_number_prefix="FR-PO-")
    sweden = LegalEntityFactory(code="ACME-SE", name="Acme Sverige AB", currency="SEK", po_number_prefix="SE-PO-")
    ExchangeRateFactory(from_currency="EUR", to_currency="SEK", rate=Decimal("11.25"))
    engineering = CostCentreFactory(legal_entity=france, code="FR-ENG", name="Engineering")
    entities = [france, sweden]

    def person(*args, **kwargs):
        return _person(*args, entities=entities, default_cost_centre=engineering, **kwargs)

    dave = person("dave", "Dave", "Moreau", limit_eur=100_000, roles=[Role.REQUESTER, Role.APPROVER])
    carol = person("carol", "Carol", "Lefebvre", manager=dave, limit_eur=10_000, roles=[Role.REQUESTER, Role.APPROVER])
    bob = person("bob", "Bob", "Dubois", manager=carol, limit_eur=1_000, roles=[Role.REQUESTER, Role.APPROVER])
    alice = person("alice", "Alice", "Martin", manager=bob, limit_eur=0, roles=[Role.REQUESTER])
    erin = person("erin", "Erin", "Laurent", manager=dave, roles=[Role.APPROVER, Role.FINANCE])
    frank = person("frank", "Frank", "Girard", manager=erin, limit_eur=0, roles=[Role.REQUESTER, Role.BUYER])
    return Company(
        france=france,
        sweden=sweden,
        dave=dave,
        carol=carol,
        bob=bob,
        alice=alice,
        erin=erin,
        frank=frank,
        manager_chain=PurchasingRuleFactory(
            name="Manager approval up to the signing limit", position=10, effect=PurchasingRule.Effect.MANAGER_CHAIN
        ),
        finance_review=PurchasingRuleFactory(
            name="Finance above 5,000 EUR",
            position=30,
            effect=PurchasingRule.Effect.ROLE,
            role=PurchasingRule.RoleChoice.FINANCE,
            min_amount_minor=5_000_00,
            currency="EUR",
        ),
    )


def it_review(acme: Company) -> ItReview:
    """ivan and inès (under carol, in both entities) form the group "IT reviewers"; a rule (position 20) has
    any one of them approve a requisition with an IT item (UNSPSC 43…)."""

    def reviewer(*args):
        return _person(
            *args,
            entities=[acme.france, acme.sweden],
            manager=acme.carol,
            roles=[Role.APPROVER],
            default_cost_centre=acme.alice.default_cost_centre,
        )

    ivan, ines = reviewer("ivan", "Ivan", "Petit"), reviewer("ines", "Inès", "Roux")
    group = GroupFactory(name="IT reviewers", members=[ivan, ines])
    rule = PurchasingRuleFactory(
        name="IT equipment needs an IT reviewer",
        position=20,
        effect=PurchasingRule.Effect.GROUP,
        unspsc_prefix="43",
        group=group,
        mode=ApprovalMode.ANY,
    )
    return ItReview(ivan=ivan, ines=ines, group=group, rule=rule)


def requisition_for(employee, legal_entity, **kwargs):
    """A cart of `employee` in `legal_entity`, made through the service as users make them."""
    from requisitions.services import requisition_create

    return requisition_create(by=employee, legal_entity=legal_entity, **kwargs)


def api_token(owner, *, scopes=None, days=30, name="Test token") -> str:
    """The secret of a new API token of `owner` (a user or an employee): every scope unless `scopes` says which.

    Written as a row (no audit event), as a token made long before the test would be."""
    from datetime import timedelta

    from django.utils import timezone

    from procurement.api_tokens import HINT_LENGTH, secret_hash, secret_new
    from procurement.models import ApiToken, TokenScope

    user = owner.user if isinstance(owner, Employee) else owner
    secret = secret_new()
    now = timezone.now()
    ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=secret_hash(secret),
        hint=secret[:HINT_LENGTH],
        scopes=[scope.value for scope in TokenScope] if scopes is None else list(scopes),
        created_at=now,
        expires_at=now + timedelta(days=days),
        origin="page",
    )
    return secret
