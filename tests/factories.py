"""factory_boy factories for the core domain."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from procurement.models import (
    CatalogItem,
    CatalogItemAttribute,
    CostCentre,
    CustomCatalog,
    Employee,
    LegalEntity,
    OrgUnit,
    PriceList,
    Role,
    Supplier,
)


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
    password = factory.PostGenerationMethodCall("set_password", "secret-pass")

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


def requisition_for(employee, legal_entity, **kwargs):
    """A cart of `employee` in `legal_entity`, made through the service as users make them."""
    from requisitions.services import requisition_create

    return requisition_create(by=employee, legal_entity=legal_entity, **kwargs)
