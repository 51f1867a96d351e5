import pytest

from procurement.models import CatalogItem
from tests.factories import CatalogItemFactory, Company, ItReview, SupplierFactory, company, it_review


@pytest.fixture
def acme(db) -> Company:
    """The company of tests.factories.company(): its manager chain, finance and two rules."""
    return company()


@pytest.fixture
def it_reviewers(acme) -> ItReview:
    """ivan and inès, the IT reviewers, and the rule that has any one of them approve IT items."""
    return it_review(acme)


@pytest.fixture
def it_item(it_reviewers) -> CatalogItem:
    """A wired mouse: an IT item (UNSPSC 43…), so the IT reviewers' rule applies to it."""
    return CatalogItemFactory(
        supplier=SupplierFactory(code="NORDIC-IT", name="Nordic IT Supply AB", currency="SEK"),
        sku="NI-MS-WIRED",
        name="Mouse, wired",
        unspsc="43211708",
        base_price_minor=199_00,
    )
