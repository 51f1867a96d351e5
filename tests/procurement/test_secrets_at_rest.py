"""Shared secrets and OCI passwords: encrypted in the database, in clear for the code, rotatable with an overlap."""

import importlib.util
import json
import logging
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.contrib.admin.models import LogEntry
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import CaptureQueriesContext
from lxml import etree

from procurement.encryption import PREFIX, SecretDecryptionError
from procurement.models import Supplier
from procurement.settings.base import DEV_SECRETS_ENCRYPTION_KEY
from punchout.models import ErpClient, PunchoutConnection
from tests.factories import SupplierFactory, api_token

# Fresh keys for every run: nothing here depends on a key written down anywhere.
KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))

RAW_SQL = {
    "supplier": "SELECT order_shared_secret FROM procurement_supplier WHERE id = %s",
    "connection": "SELECT shared_secret FROM punchout_punchoutconnection WHERE id = %s",
    "oci_fields": "SELECT CAST(oci_fields AS text) FROM punchout_punchoutconnection WHERE id = %s",
    "erp_client": "SELECT shared_secret FROM punchout_erpclient WHERE id = %s",
    "erp_oci_password": "SELECT oci_password_hash FROM punchout_erpclient WHERE id = %s",
}


def raw(column: str, pk: int) -> str:
    """What the database holds, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL[column], [pk])
        (value,) = cursor.fetchone()
    return value


def raw_oci_password(pk: int) -> str:
    return json.loads(raw("oci_fields", pk))["PASSWORD"]


def opens_with(key: str, stored: str) -> str:
    """The plaintext of a stored value with one key alone (InvalidToken if it was not written with it)."""
    assert stored.startswith(PREFIX)
    return Fernet(key).decrypt(stored.removeprefix(PREFIX).encode()).decode()


@pytest.fixture
def admin_api(api_client, france, employee_in):
    admin = employee_in(france, roles=["admin"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(admin.user)}")
    return api_client


# --- each of the five secrets, written the way an administrator writes it ---------------------------------


def test_a_supplier_secret_from_the_api_is_stored_encrypted_and_read_in_clear(admin_api):
    response = admin_api.post(
        "/api/v1/suppliers/",
        {
            "code": "OFFICE-1",
            "name": "Office One",
            "currency": "EUR",
            "order_method": "cxml",
            "order_url": "https://supplier.example/cxml/orders",
            "order_from": {"domain": "NetworkID", "identity": "ACME-BUYER"},
            "order_to": {"domain": "DUNS", "identity": "123456789"},
            "shared_secret": "supplier-secret-1",
            "email": "",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    supplier = Supplier.objects.get(code="OFFICE-1")

    stored = raw("supplier", supplier.pk)
    assert stored.startswith(PREFIX) and "supplier-secret-1" not in stored
    assert supplier.order_shared_secret == "supplier-secret-1"
    assert "supplier-secret-1" not in repr(supplier)
    assert response.json()["has_shared_secret"] is True


def test_a_connection_secret_and_oci_password_from_the_api_are_stored_encrypted(admin_api):
    SupplierFactory(code="SHOP", name="Shop")
    cxml_created = admin_api.post(
        "/api/v1/punchout/connections/",
        {
            "supplier": "SHOP",
            "protocol": "cxml",
            "url": "https://shop.example/cxml/setup",
            "from": {"domain": "NetworkID", "identity": "acme"},
            "to": {"domain": "DUNS", "identity": "shop"},
            "shared_secret": "connection-secret-1",
        },
        format="json",
    )
    oci_created = admin_api.post(
        "/api/v1/punchout/connections/",
        {
            "supplier": "SHOP",
            "protocol": "oci",
            "url": "https://shop.example/oci",
            "oci_fields": {"USERNAME": "acme", "PASSWORD": "oci-password-1", "~CALLER": "CTLG"},
        },
        format="json",
    )
    assert (cxml_created.status_code, oci_created.status_code) == (201, 201)
    assert oci_created.json()["oci_fields"] == {"USERNAME": "acme", "PASSWORD": "***", "~CALLER": "CTLG"}
    listed = admin_api.get("/api/v1/punchout/connections/").content.decode()
    assert "oci-password-1" not in listed and "connection-secret-1" not in listed

    cxml_connection = PunchoutConnection.objects.get(pk=cxml_created.json()["id"])
    stored_secret = raw("connection", cxml_connection.pk)
    assert stored_secret.startswith(PREFIX) and "connection-secret-1" not in stored_secret
    assert cxml_connection.shared_secret == "connection-secret-1"

    oci_connection = PunchoutConnection.objects.get(pk=oci_created.json()["id"])
    stored_fields = json.loads(raw("oci_fields", oci_connection.pk))
    assert (stored_fields["USERNAME"], stored_fields["~CALLER"]) == ("acme", "CTLG")
    assert stored_fields["PASSWORD"].startswith(PREFIX) and "oci-password-1" not in raw("oci_fields", oci_connection.pk)
    assert oci_connection.oci_fields == {"USERNAME": "acme", "PASSWORD": "oci-password-1", "~CALLER": "CTLG"}
    by_key = PunchoutConnection.objects.filter(pk=oci_connection.pk).values_list("oci_fields__PASSWORD", flat=True)
    assert by_key.get() == "oci-password-1"
    assert "oci-password-1" not in repr(oci_connection) and "connection-secret-1" not in repr(cxml_connection)


def test_an_erp_client_from_the_admin_keeps_its_secret_encrypted_its_password_hashed_and_out_of_the_history(
    admin_client, france
):
    form = {
        "code": "SAP-PROD",
        "name": "SAP production",
        "legal_entity": france.pk,
        "is_active": "on",
        "allowed_hosts": '["sap.example.com"]',
        "cxml_identities": '[{"domain": "NetworkID", "identity": "SAP-PROD"}]',
        "shared_secret": "erp-secret-1",
        "oci_enabled": "on",
        "oci_username": "sapprod",
        "oci_password": "erp-oci-password-1",
        "start_minutes": "5",
        "session_minutes": "120",
    }
    added = admin_client.post("/admin/punchout/erpclient/add/", form)
    assert added.status_code == 302, added.content.decode()[:2000]
    client = ErpClient.objects.get(code="SAP-PROD")
    changed = admin_client.post(
        f"/admin/punchout/erpclient/{client.pk}/change/",
        {**form, "group": client.group_id, "shared_secret": "erp-secret-2", "oci_password": ""},
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]

    client.refresh_from_db()
    stored = raw("erp_client", client.pk)
    assert stored.startswith(PREFIX) and "erp-secret" not in stored
    assert client.shared_secret == "erp-secret-2"
    assert "erp-oci-password-1" not in raw("erp_oci_password", client.pk)
    assert "erp-secret" not in repr(client)
    history = [entry.get_change_message() for entry in LogEntry.objects.order_by("pk")]
    assert history[0] == "Added." and history[1].startswith("Changed ") and "shared_secret" in history[1]
    stored_history = " ".join(f"{entry.change_message} {entry.object_repr}" for entry in LogEntry.objects.all())
    assert "erp-secret" not in stored_history and "erp-oci-password" not in stored_history


def test_the_admin_keeps_a_masked_oci_password_and_never_writes_it_into_the_history(admin_client):
    supplier = SupplierFactory(code="SHOP", name="Shop")
    connection_ = PunchoutConnection.objects.create(
        supplier=supplier,
        protocol="oci",
        url="https://shop.example/oci",
        oci_fields={"USERNAME": "acme", "PASSWORD": "oci-password-2"},
    )
    page = admin_client.get(f"/admin/punchout/punchoutconnection/{connection_.pk}/change/").content.decode()
    assert "oci-password-2" not in page

    changed = admin_client.post(
        f"/admin/punchout/punchoutconnection/{connection_.pk}/change/",
        {
            "supplier": supplier.pk,
            "name": "",
            "protocol": "oci",
            "url": "https://shop.example/oci",
            "is_active": "on",
            "supports_edit": "on",
            "supports_inspect": "on",
            "session_minutes": "60",
            "timeout_seconds": "20",
            "from_domain": "NetworkID",
            "to_domain": "DUNS",
            "sender_domain": "NetworkID",
            "shared_secret": "",
            "deployment_mode": "production",
            "extrinsics": "[]",
            "method": "POST",
            "oci_fields": '{"USERNAME": "acme-2", "PASSWORD": "***"}',
            "unit_map": "{}",
            "charset_fallback": "iso-8859-1",
        },
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]

    connection_.refresh_from_db()
    assert connection_.oci_fields == {"USERNAME": "acme-2", "PASSWORD": "oci-password-2"}
    assert "oci-password-2" not in raw("oci_fields", connection_.pk)
    (entry,) = LogEntry.objects.all()
    assert "OCI login fields and parameters" in entry.get_change_message()
    assert "oci-password-2" not in f"{entry.change_message} {entry.object_repr}"


def test_no_secret_reaches_the_sql_log(admin_api, caplog):
    with caplog.at_level(logging.DEBUG, logger="django.db.backends"), CaptureQueriesContext(connection):
        response = admin_api.post(
            "/api/v1/suppliers/",
            {"code": "LOGGED", "name": "Logged", "currency": "EUR", "shared_secret": "logged-secret-1", "email": ""},
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert "INSERT INTO" in caplog.text
    assert "logged-secret-1" not in caplog.text


def test_nothing_can_search_by_a_secret(db):
    with pytest.raises(FieldError, match="Unsupported lookup 'exact'"):
        list(Supplier.objects.filter(order_shared_secret="guess"))


# --- the demo ----------------------------------------------------------------------------------------------

DEMO_SETUP = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.069/cXML.dtd">
<cXML payloadID="keys-1@erp.example" timestamp="2026-11-22T10:00:00+01:00">
<Header><From><Credential domain="NetworkID"><Identity>ERP-DEMO</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
<Sender><Credential domain="NetworkID"><Identity>ERP-DEMO</Identity><SharedSecret>demo-secret</SharedSecret>
</Credential><UserAgent>Test ERP</UserAgent></Sender></Header>
<Request><PunchOutSetupRequest operation="create"><BuyerCookie>keys-cookie</BuyerCookie>
<BrowserFormPost><URL>http://127.0.0.1:9999/erp/return</URL></BrowserFormPost>
</PunchOutSetupRequest></Request></cXML>"""


def test_the_demo_credentials_still_work_and_are_stored_encrypted(demo):
    call_command("seed_demo", stdout=StringIO())  # loaded again (idempotent): still one working secret

    erp = ErpClient.objects.get(code="ERP-DEMO")
    labsource = Supplier.objects.get(code="LABSOURCE")
    demo_shop = PunchoutConnection.objects.get(supplier__code="DEMO-PUNCHOUT")
    assert "demo-secret" not in raw("erp_client", erp.pk) and "demo-secret" not in raw("connection", demo_shop.pk)
    assert "labsource-secret" not in raw("supplier", labsource.pk)
    assert (erp.shared_secret, demo_shop.shared_secret, labsource.order_shared_secret) == (
        "demo-secret",
        "demo-secret",
        "labsource-secret",
    )

    answer = Client().post("/punchout/cxml/setup/", DEMO_SETUP, content_type="text/xml")
    status = etree.fromstring(answer.content).find("Response/Status")
    assert (answer.status_code, status.get("code")) == (200, "200")


# --- rotation ----------------------------------------------------------------------------------------------


def rotate(*args: str) -> list[str]:
    out = StringIO()
    call_command("rotate_secrets", *args, stdout=out)
    return out.getvalue().splitlines()


def counts(rotated: int, plain: int, current: int, empty: int, unreadable: int = 0) -> str:
    return (
        f"{rotated} re-encrypted from an older key, {plain} encrypted (were stored in clear), "
        f"{current} already under the newest key, {empty} empty, {unreadable} unreadable"
    )


@pytest.fixture
def secrets_under_key_a(settings, france):
    """One of each secret, written while KEY_A was the only key."""
    settings.SECRETS_ENCRYPTION_KEYS = [KEY_A]
    supplier = Supplier.objects.create(code="ROT", name="Rotation", currency="EUR", order_shared_secret="sup-a")
    connection_ = PunchoutConnection.objects.create(
        supplier=supplier,
        protocol="oci",
        url="https://shop.example/oci",
        shared_secret="conn-a",
        oci_fields={"USERNAME": "acme", "PASSWORD": "oci-a"},
    )
    client = ErpClient.objects.create(code="ERP-ROT", name="ERP", legal_entity=france, shared_secret="erp-a")
    return supplier, connection_, client


def read_all(supplier, connection_, client) -> tuple[str, str, str, str]:
    connection_ = PunchoutConnection.objects.get(pk=connection_.pk)
    return (
        Supplier.objects.get(pk=supplier.pk).order_shared_secret,
        connection_.shared_secret,
        connection_.oci_fields["PASSWORD"],
        ErpClient.objects.get(pk=client.pk).shared_secret,
    )


def test_rotation_reads_old_values_during_the_overlap_rewrites_them_and_then_needs_only_the_new_key(
    settings, secrets_under_key_a
):
    supplier, connection_, client = secrets_under_key_a
    settings.SECRETS_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert read_all(*secrets_under_key_a) == ("sup-a", "conn-a", "oci-a", "erp-a")
    with pytest.raises(CommandError, match=r"^4 stored secret\(s\) are not encrypted under the newest key"):
        rotate("--check")

    assert rotate() == [
        f"identity.IdentityProvider.client_secret: {counts(0, 0, 0, 0)}",
        f"identity.IdentityProvider.saml_sp_private_key: {counts(0, 0, 0, 0)}",
        f"notifications.Webhook.secret: {counts(0, 0, 0, 0)}",
        f"procurement.Supplier.order_shared_secret: {counts(1, 0, 0, 0)}",
        f"procurement.TotpDevice.key_hex: {counts(0, 0, 0, 0)}",
        f"punchout.ErpClient.shared_secret: {counts(1, 0, 0, 0)}",
        f"punchout.PunchoutConnection.oci_fields: {counts(1, 0, 0, 0)}",
        f"punchout.PunchoutConnection.shared_secret: {counts(1, 0, 0, 0)}",
        f"total: {counts(4, 0, 0, 0)}",
        "Every stored secret is encrypted under the newest key.",
    ]
    assert opens_with(KEY_B, raw("supplier", supplier.pk)) == "sup-a"
    assert opens_with(KEY_B, raw("connection", connection_.pk)) == "conn-a"
    assert opens_with(KEY_B, raw_oci_password(connection_.pk)) == "oci-a"
    assert opens_with(KEY_B, raw("erp_client", client.pk)) == "erp-a"
    with pytest.raises(InvalidToken):
        opens_with(KEY_A, raw("supplier", supplier.pk))

    again = rotate("--check")  # idempotent: nothing left to do, and --check agrees
    assert again[-2:] == [
        "total: 0 to re-encrypt from an older key, 0 to encrypt (stored in clear), 4 already under the newest key, "
        "0 empty, 0 unreadable",
        "Every stored secret is encrypted under the newest key.",
    ]
    assert rotate()[-2] == f"total: {counts(0, 0, 4, 0)}"

    settings.SECRETS_ENCRYPTION_KEYS = [KEY_B]
    assert read_all(*secrets_under_key_a) == ("sup-a", "conn-a", "oci-a", "erp-a")


def test_a_secret_under_an_unknown_key_is_a_clear_error_never_an_empty_secret(settings, secrets_under_key_a):
    supplier, _, _ = secrets_under_key_a
    settings.SECRETS_ENCRYPTION_KEYS = [KEY_C]

    with pytest.raises(SecretDecryptionError) as error:
        Supplier.objects.get(pk=supplier.pk)
    message = str(error.value)
    assert message.startswith("Cannot decrypt procurement.Supplier.order_shared_secret: none of the keys in ")
    assert "SECRETS_ENCRYPTION_KEYS" in message and "sup-a" not in message and KEY_A not in message

    out = StringIO()
    with pytest.raises(CommandError, match=r"^4 stored secret\(s\) open with none of the keys") as refused:
        call_command("rotate_secrets", stdout=out)
    assert f"procurement.Supplier.order_shared_secret of id {supplier.pk}" in str(refused.value)
    assert f"total: {counts(0, 0, 0, 0, unreadable=4)}" in out.getvalue()


def test_a_secret_stored_in_clear_before_encryption_is_read_and_then_encrypted_by_the_command(db):
    supplier = SupplierFactory(code="OLD")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procurement_supplier SET order_shared_secret = %s WHERE id = %s", ["legacy-1", supplier.pk]
        )
    assert Supplier.objects.get(pk=supplier.pk).order_shared_secret == "legacy-1"

    assert f"procurement.Supplier.order_shared_secret: {counts(0, 1, 0, 0)}" in rotate()
    assert raw("supplier", supplier.pk).startswith(PREFIX) and "legacy-1" not in raw("supplier", supplier.pk)
    assert Supplier.objects.get(pk=supplier.pk).order_shared_secret == "legacy-1"


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_what_was_stored_in_clear_and_reverse_to_clear(settings, france):
    settings.SECRETS_ENCRYPTION_KEYS = [KEY_A]
    before = [("procurement", "0005_legalentity_fiscal_year_start_month_and_more"), ("punchout", "0002_erp_clients")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        supplier = old.get_model("procurement", "Supplier").objects.create(
            code="PLAIN", name="Plain", currency="EUR", order_shared_secret="plain-sup"
        )
        connection_ = old.get_model("punchout", "PunchoutConnection").objects.create(
            supplier_id=supplier.pk,
            protocol="oci",
            url="https://shop.example/oci",
            shared_secret="plain-conn",
            oci_fields={"USERNAME": "acme", "PASSWORD": "plain-oci"},
        )
        client = old.get_model("punchout", "ErpClient").objects.create(
            code="ERP-PLAIN", name="ERP", legal_entity_id=france.pk, shared_secret="plain-erp", allowed_hosts=[]
        )

        MigrationExecutor(connection).migrate(latest)
        assert opens_with(KEY_A, raw("supplier", supplier.pk)) == "plain-sup"
        assert opens_with(KEY_A, raw("connection", connection_.pk)) == "plain-conn"
        assert opens_with(KEY_A, raw_oci_password(connection_.pk)) == "plain-oci"
        assert opens_with(KEY_A, raw("erp_client", client.pk)) == "plain-erp"
        assert json.loads(raw("oci_fields", connection_.pk))["USERNAME"] == "acme"

        MigrationExecutor(connection).migrate(before)
        assert [raw("supplier", supplier.pk), raw("connection", connection_.pk), raw("erp_client", client.pk)] == [
            "plain-sup",
            "plain-conn",
            "plain-erp",
        ]
        assert json.loads(raw("oci_fields", connection_.pk)) == {"USERNAME": "acme", "PASSWORD": "plain-oci"}
    finally:
        MigrationExecutor(connection).migrate(latest)


# --- configuration -----------------------------------------------------------------------------------------


def load_prod_settings(monkeypatch, keys: str | None):
    monkeypatch.setenv("SECRET_KEY", "prod-like-secret-key-for-this-test-only-0123456789abcdefghij")
    if keys is None:
        monkeypatch.delenv("SECRETS_ENCRYPTION_KEYS", raising=False)
    else:
        monkeypatch.setenv("SECRETS_ENCRYPTION_KEYS", keys)
    spec = importlib.util.find_spec("procurement.settings.prod")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # a fresh copy: the running settings are untouched
    return module


@pytest.mark.parametrize(
    ("keys", "refusal"),
    [
        (None, "SECRETS_ENCRYPTION_KEYS must be set in production"),
        ("", "SECRETS_ENCRYPTION_KEYS must be set in production"),
        (DEV_SECRETS_ENCRYPTION_KEY, "SECRETS_ENCRYPTION_KEYS must not contain the published development key"),
        (f"{KEY_B},not-a-fernet-key", "SECRETS_ENCRYPTION_KEYS: key 2 is not a Fernet key"),
    ],
    ids=["unset", "empty", "dev-key", "malformed"],
)
def test_production_refuses_to_start_without_proper_keys(monkeypatch, keys, refusal):
    with pytest.raises(ImproperlyConfigured) as error:
        load_prod_settings(monkeypatch, keys)
    assert str(error.value).startswith(refusal) and "not-a-fernet-key" not in str(error.value)


def test_production_takes_the_keys_newest_first(monkeypatch):
    assert load_prod_settings(monkeypatch, f" {KEY_B} , {KEY_A} ").SECRETS_ENCRYPTION_KEYS == [KEY_B, KEY_A]


def test_a_malformed_key_stops_every_command_and_every_write(settings, db):
    settings.SECRETS_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(SystemCheckError, match=r"procurement\.E100.*key 1 of 1 is not a Fernet key"):
        call_command("check")
    with pytest.raises(ImproperlyConfigured, match="key 1 of 1 is not a Fernet key"):
        SupplierFactory(order_shared_secret="never-stored")
    assert not Supplier.objects.exists()
