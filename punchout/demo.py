"""Demo punchout: the ERP client ERP-DEMO (cXML and OCI) and the supplier DEMO-PUNCHOUT, whose cXML punchout
points at this same server's inbound endpoint, so alice can shop our own catalog as if it were a supplier's."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from procurement.models import LegalEntity, Supplier

from .models import ErpClient, PunchoutConnection

DEMO_SECRET = "demo-secret"  # noqa: S105 - published demo credentials (README)


@transaction.atomic
def seed(report: Callable[[str], None]) -> None:
    group, _ = Group.objects.get_or_create(name="ERP clients: ERP-DEMO")
    client, created = ErpClient.objects.update_or_create(
        code="ERP-DEMO",
        defaults={
            "name": "Demo ERP",
            "legal_entity": LegalEntity.objects.get(code="ACME-SE"),
            "cxml_identities": [{"domain": "NetworkID", "identity": "ERP-DEMO"}],
            "shared_secret": DEMO_SECRET,
            "oci_enabled": True,
            "oci_username": "erp-demo",
            "allowed_hosts": ["127.0.0.1", "localhost"],
            "group": group,
        },
    )
    if created or not client.oci_password_hash:
        client.oci_password_hash = make_password(DEMO_SECRET)
        client.save(update_fields=["oci_password_hash"])
    base = settings.SITE_URL.rstrip("/")
    PunchoutConnection.objects.update_or_create(
        supplier=Supplier.objects.get(code="DEMO-PUNCHOUT"),
        protocol=PunchoutConnection.Protocol.CXML,
        defaults={
            "name": "Demo punchout shop",
            "url": f"{base}/punchout/cxml/setup/",
            "from_domain": "NetworkID",
            "from_identity": "ERP-DEMO",
            "to_domain": "DUNS",
            "to_identity": getattr(settings, "CXML_IDENTITY", "ACME-CATALOG"),
            "sender_domain": "NetworkID",
            "sender_identity": "ERP-DEMO",
            "shared_secret": DEMO_SECRET,
            "extrinsics": ["UserEmail", "UniqueName", "UserFullName"],
        },
    )
    report(
        f"ERP client ERP-DEMO (cXML NetworkID ERP-DEMO / {DEMO_SECRET}, OCI erp-demo / {DEMO_SECRET}); "
        f"DEMO-PUNCHOUT punches out to {base}/punchout/cxml/setup/"
    )
