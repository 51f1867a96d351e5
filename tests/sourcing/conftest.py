import pytest

from tests.factories import company

from .helpers import suppliers


@pytest.fixture
def acme(db):
    return company()


@pytest.fixture
def invited(acme):
    return suppliers()
