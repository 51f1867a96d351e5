import pytest

from procurement.models import Employee, Role
from tests.factories import Company, EmployeeFactory, UserFactory, company


@pytest.fixture
def acme(db) -> Company:
    """tests.factories.company(): alice → bob → carol → dave in ACME-FR (and ACME-SE), erin finance, frank buyer."""
    return company()


@pytest.fixture
def admin(acme) -> Employee:
    """Olga, an administrator of ACME-FR (only)."""
    return EmployeeFactory(
        user=UserFactory(username="olga", first_name="Olga", last_name="Admin", email="olga@acme.example"),
        legal_entities=[acme.france],
        roles=[Role.ADMIN],
    )


def csv_file(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def known_roles() -> str:
    """The role codes the database holds, as an unknown role's message lists them: the migrations' roles (warehouse,
    auditor) are there or not depending on whether a transactional test flushed the database before."""
    return ", ".join(sorted(Role.objects.values_list("code", flat=True)))
