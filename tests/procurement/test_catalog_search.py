"""Catalog search as people type it: filters that count what the search finds, an address that holds the
whole view, and typos forgiven ("balpoint" finds the ballpoint pens) without changing exact searches."""

import re

import lxml.html
import pytest
from django.db import connection

from procurement.catalog_search import words_corrected
from procurement.models import Category
from procurement.selectors import CatalogFilters, catalog_item_search
from tests.factories import CatalogItemAttributeFactory, CatalogItemFactory, SupplierFactory


@pytest.fixture
def shelf(france):
    """Pens from two suppliers (one with a colour each), paper from one, and a beaker."""
    Category.objects.get_or_create(code="4412", defaults={"name": "Office supplies"})
    bic = SupplierFactory(code="BIC", name="Bic France")
    paper = SupplierFactory(code="PAPERCO", name="Paper Co")
    pens = [
        CatalogItemFactory(supplier=bic, sku="PEN-BLK", name="Ballpoint pen, black", unspsc="44121704"),
        CatalogItemFactory(supplier=bic, sku="PEN-BLU", name="Ballpoint pen, blue", unspsc="44121704"),
        CatalogItemFactory(supplier=paper, sku="PAP-PEN", name="Ballpoint pen, paper barrel", unspsc="44121704"),
    ]
    CatalogItemAttributeFactory(item=pens[0], name="colour", value="black")
    CatalogItemAttributeFactory(item=pens[1], name="colour", value="blue")
    CatalogItemFactory(supplier=paper, sku="PAP-A4", name="Copier paper A4", unspsc="14111507")
    CatalogItemFactory(supplier=paper, sku="PAP-A3", name="Copier paper A3", unspsc="14111507")
    lab = SupplierFactory(code="LABGLASS", name="Lab Glass")
    CatalogItemFactory(supplier=lab, sku="BKR-100", name="Beaker 100 ml", unspsc="41121800", manufacturer="Duran")
    return pens


def options(html: str, select_id: str) -> list[str]:
    return [o.text_content().strip() for o in lxml.html.fromstring(html).xpath(f"//*[@id='{select_id}']/option")]


def attribute_labels(html: str) -> list[str]:
    return [
        " ".join(label.text_content().split())
        for label in lxml.html.fromstring(html).xpath("//div[@class='form-check']")
    ]


def skus(html: str) -> list[str]:
    return [row.get("data-sku") for row in lxml.html.fromstring(html).xpath("//table[@id='catalog-table']/tbody/tr")]


def test_the_filters_count_what_the_search_finds(client, shelf, france, employee_in):
    client.force_login(employee_in(france).user)

    everything = client.get("/catalog/").content.decode()
    assert options(everything, "catalog-supplier") == [
        "All suppliers",
        "Bic France (2)",
        "Lab Glass (1)",
        "Paper Co (3)",
    ]
    pens = client.get("/catalog/", {"q": "pen"}).content.decode()
    assert options(pens, "catalog-supplier") == ["All suppliers", "Bic France (2)", "Paper Co (1)"]
    assert options(pens, "catalog-category") == ["All categories", "4412 Office supplies (3)"]
    assert attribute_labels(pens) == ["black (1)", "blue (1)"]
    # A supplier chosen: the other filters count within it; the supplier list still counts the search.
    bic_pens = client.get("/catalog/", {"q": "pen", "supplier": "BIC"}).content.decode()
    assert skus(bic_pens) == ["PEN-BLK", "PEN-BLU"]
    assert options(bic_pens, "catalog-supplier") == ["All suppliers", "Bic France (2)", "Paper Co (1)"]
    # One colour chosen: the other colour still counts (picking it too widens the results).
    black = client.get("/catalog/", {"q": "pen", "attr": "colour:black"}).content.decode()
    assert skus(black) == ["PEN-BLK"]
    assert attribute_labels(black) == ["black (1)", "blue (1)"]
    assert options(black, "catalog-supplier") == ["All suppliers", "Bic France (1)"]


def test_search_as_you_type_swaps_the_results_and_the_filters_out_of_band(client, shelf, france, employee_in):
    client.force_login(employee_in(france).user)
    response = client.get("/catalog/", {"q": "paper"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and skus(body) == ["PAP-PEN", "PAP-A3", "PAP-A4"]
    facets = lxml.html.fromstring(f"<div>{body}</div>").xpath("//*[@id='catalog-facets']")
    assert len(facets) == 1 and facets[0].get("hx-swap-oob") == "true"
    assert options(body, "catalog-supplier") == ["All suppliers", "Paper Co (3)"]
    assert 'id="catalog-q"' not in body  # what is being typed is never replaced under the fingers
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page_of_its_address(client, shelf, france, employee_in):
    client.force_login(employee_in(france).user)
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    page = client.get("/catalog/", {"q": "pen", "supplier": "BIC", "attr": "colour:blue"}, headers=headers)
    html = page.content.decode()
    tree = lxml.html.fromstring(html)
    assert "<html" in html and "hx-swap-oob" not in html
    assert tree.xpath("//*[@id='catalog-q']")[0].get("value") == "pen"
    assert tree.xpath("//*[@id='catalog-supplier']/option[@selected]")[0].get("value") == "BIC"
    assert [box.get("value") for box in tree.xpath("//input[@name='attr'][@checked]")] == ["colour:blue"]
    assert skus(html) == ["PEN-BLU"]


def test_pages_keep_the_whole_state_in_their_links(client, france, employee_in):
    supplier = SupplierFactory(code="BULK")
    for n in range(55):
        CatalogItemFactory(supplier=supplier, sku=f"PEN-{n:03d}", name=f"Ballpoint pen {n:03d}")
    client.force_login(employee_in(france).user)
    html = client.get("/catalog/", {"q": "pen", "supplier": "BULK", "exact": "1"}).content.decode()
    next_link = lxml.html.fromstring(html).xpath("//nav[@aria-label='Pages']//a")[0]
    assert next_link.get("href") == "?q=pen&supplier=BULK&exact=1&page=2"
    assert next_link.get("hx-push-url") == "true"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm runs on PostgreSQL")
def test_a_typo_finds_the_ballpoint_pens_with_pg_trgm(client, shelf, france, employee_in):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)
    client.force_login(employee_in(france).user)

    html = client.get("/catalog/", {"q": "balpoint"}).content.decode()
    assert sorted(skus(html)) == ["PAP-PEN", "PEN-BLK", "PEN-BLU"]
    notice = lxml.html.fromstring(html).xpath("//*[@id='catalog-corrected']")[0]
    assert " ".join(notice.text_content().split()) == "Showing results for “ballpoint”. Search exactly for “balpoint”"
    assert notice.xpath(".//a")[0].get("href") == "?q=balpoint&exact=1"
    # Asked to search exactly: nothing, and no correction offered.
    exact = client.get("/catalog/", {"q": "balpoint", "exact": "1"}).content.decode()
    assert skus(exact) == [] and "catalog-corrected" not in exact and "No items match" in exact
    # A typo next to an exact word; a manufacturer's name (searched by likeness only).
    assert sorted(skus(client.get("/catalog/", {"q": "balpoint blue"}).content.decode())) == ["PEN-BLU"]
    assert skus(client.get("/catalog/", {"q": "dura"}).content.decode()) == ["BKR-100"]
    # The API forgives the same typo.
    found = client.get("/api/v1/catalog/items/", {"search": "balpoint", "legal_entity": "FR-TEST"}).json()
    assert sorted(item["sku"] for item in found["results"]) == ["PAP-PEN", "PEN-BLK", "PEN-BLU"]


def test_exact_searches_match_as_before_and_rank_the_exact_sku_first(shelf, france, employee_in):
    user = employee_in(france).user

    def search(text: str) -> list[str]:
        return [i.sku for i in catalog_item_search(legal_entity=france, user=user, filters=CatalogFilters(search=text))]

    assert search("pap-a4") == ["PAP-A4"]
    assert search("PAP") == ["PAP-PEN", "PAP-A3", "PAP-A4"]  # SKUs starting with it, by name
    assert search("pen") == ["PEN-BLK", "PEN-BLU", "PAP-PEN"]  # SKU prefix first, then by name
    assert search("nothing-like-this") == []
    assert search("x" * 200) == []


def test_the_fallback_corrects_each_word_against_the_catalogs_vocabulary():
    vocabulary = {"ballpoint", "pen", "black", "blue", "copier", "paper", "a4", "beaker", "duran"}
    assert words_corrected(["balpoint"], vocabulary) == ["ballpoint"]
    assert words_corrected(["Balpoint", "pen"], vocabulary) == ["ballpoint", "pen"]
    assert words_corrected(["ballpoint", "blakc"], vocabulary) == ["ballpoint", "black"]
    # A word that is (part of) a catalog word stays as typed; nothing close enough stays as typed too.
    assert words_corrected(["PAP", "zzzz"], vocabulary) == ["PAP", "zzzz"]
    assert words_corrected(["nothing-like-this"], vocabulary) == ["nothing-like-this"]
    # Only the words named are corrected.
    assert words_corrected(["balpoint", "blakc"], vocabulary, only=["blakc"]) == ["balpoint", "black"]


def test_the_search_text_is_bounded_at_the_edge(client, shelf, france, employee_in):
    client.force_login(employee_in(france).user)
    html = client.get("/catalog/", {"q": "pen " * 2000}).content.decode()
    value = lxml.html.fromstring(html).xpath("//*[@id='catalog-q']")[0].get("value")
    assert len(value) <= 200 and re.fullmatch(r"(pen ?)+", value)
