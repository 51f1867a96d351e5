from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db):
    """The demo data: entities, people, catalog, the purchasing rules and bob's waiting requisitions."""
    call_command("seed_demo", stdout=StringIO())
