import pytest

from tests.factories import Company, company


@pytest.fixture
def acme(db) -> Company:
    """The company of tests.factories.company(): alice → bob → carol → dave, erin finance, frank a buyer."""
    return company()
