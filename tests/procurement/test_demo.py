"""The demo data that the README, the acceptance checks and integrators rely on."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db.models import Count

from procurement.models import CatalogItem, CostCentre, Employee, LegalEntity, PriceList, Supplier
from procurement.money import Money
from procurement.selectors import catalog_item_price, employee_manager_chain, price_lists_applicable
from punchout.models import PunchoutConnection


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (LegalEntity, Employee, Supplier, CatalogItem, PriceList, CostCentre)
    }


def test_seed_demo_is_idempotent_and_builds_what_design_lists(demo):
    first = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first

    assert {e.code: (e.name, e.currency) for e in LegalEntity.objects.all()} == {
        "ACME-FR": ("Acme France SAS", "EUR"),
        "ACME-SE": ("Acme Sverige AB", "SEK"),
    }
    alice = Employee.objects.get(user__username="alice")
    assert alice.user.check_password("demo")
    assert set(alice.legal_entities.values_list("code", flat=True)) == {"ACME-FR", "ACME-SE"}
    chain = employee_manager_chain(employee=alice)
    assert [(m.user.username, m.signing_limit) for m in chain] == [
        ("bob", Money.from_minor(100000, "EUR")),
        ("carol", Money.from_minor(1000000, "EUR")),
        ("dave", Money.from_minor(10000000, "EUR")),
    ]
    erin = Employee.objects.get(user__username="erin")
    assert erin.signing_limit is None and erin.roles.filter(code="finance").exists()
    assert Employee.objects.get(user__username="frank").roles.filter(code="buyer").exists()
    assert Employee.objects.get(user__username="admin").user.is_superuser

    assert alice.default_cost_centre.code == "FR-ENG"
    assert alice.cost_centres.filter(code="FR-LAB").exists()

    per_supplier = dict(
        CatalogItem.objects.values_list("supplier__code").annotate(n=Count("id")).values_list("supplier__code", "n")
    )
    assert per_supplier == {"BUROTEC": 86, "LABSOURCE": 56, "NORDIC-IT": 64}  # DESIGN: at least 200, three suppliers
    assert not CatalogItem.objects.filter(unspsc="").exists()
    assert PriceList.objects.count() == 2
    assert Supplier.objects.filter(code="DEMO-PUNCHOUT").exists()


def test_demo_prices_differ_between_the_two_entities(demo):
    alice = Employee.objects.get(user__username="alice").user
    laptop = CatalogItem.objects.filter(supplier__code="NORDIC-IT").first()
    france, sweden = LegalEntity.objects.get(code="ACME-FR"), LegalEntity.objects.get(code="ACME-SE")
    fr = catalog_item_price(item=laptop, price_lists=price_lists_applicable(legal_entity=france, user=alice))
    se = catalog_item_price(item=laptop, price_lists=price_lists_applicable(legal_entity=sweden, user=alice))
    assert fr != se and fr.currency == se.currency == "SEK"


def test_demo_items_counted_in_pieces_packs_boxes_or_reams_are_ordered_whole(demo):
    box = CatalogItem.objects.filter(unit="BX").first()
    assert box is not None and (box.order_multiple, box.minimum_quantity) == (1, 1)
    assert box.quantity_problem(Decimal("1.5")) == (f"{box.sku} is sold in multiples of 1 BX: order 1 or 2, not 1.5.")
    assert box.quantity_problem(Decimal(2)) == ""
    assert not CatalogItem.objects.exclude(unit__in=["EA", "PK", "BX", "RM"]).exclude(order_multiple=Decimal("0.001"))


def test_the_demo_links_follow_the_served_address(demo, settings):
    # Given `make run PORT=8123`: the Makefile hands the seed SITE_URL=http://127.0.0.1:8123
    settings.SITE_URL = "http://127.0.0.1:8123"

    # When the demo is loaded (again: `make run` seeds on every start)
    call_command("seed_demo", stdout=StringIO())

    # Then the demo punchout shop and the pretend supplier are reached on the port being served
    shop = PunchoutConnection.objects.get(supplier__code="DEMO-PUNCHOUT")
    assert shop.url == "http://127.0.0.1:8123/punchout/cxml/setup/"
    assert Supplier.objects.get(code="LABSOURCE").order_url == "http://127.0.0.1:8123/cxml/demo-supplier/"


def test_the_demo_entities_have_their_countrys_tax_codes_and_the_suppliers_their_countries(demo):
    from procurement.models import TaxCode

    assert {e.code: e.country for e in LegalEntity.objects.all()} == {"ACME-FR": "FR", "ACME-SE": "SE"}
    defaults = {code.legal_entity.code: code.code for code in TaxCode.objects.filter(is_default=True)}
    assert defaults == {"ACME-FR": "S20", "ACME-SE": "S25"}
    rates = {
        entity: sorted(
            f"{rate.normalize():f}"
            for rate in TaxCode.objects.filter(legal_entity__code=entity, kind__in=["standard", "reduced"]).values_list(
                "rate", flat=True
            )
        )
        for entity in ("ACME-FR", "ACME-SE")
    }
    assert rates == {"ACME-FR": ["10", "2.1", "20", "5.5"], "ACME-SE": ["12", "25", "6"]}
    assert dict(
        Supplier.objects.filter(code__in=["BUROTEC", "LABSOURCE", "NORDIC-IT"]).values_list("code", "country")
    ) == {
        "BUROTEC": "FR",
        "LABSOURCE": "DE",
        "NORDIC-IT": "SE",
    }
