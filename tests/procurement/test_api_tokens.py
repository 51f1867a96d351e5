"""Scoped API tokens (procurement.api_tokens): issued, used, scoped, expired, revoked; the old DRF keys migrated."""

import hashlib
import re
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.permissions import SAFE_METHODS
from rest_framework.test import APIRequestFactory

from procurement.api_tokens import SCOPE_CHECKED_BY_VIEW, SCOPE_OF_WRITE, TokenScopePermission
from procurement.models import ApiToken, AuditEvent, Role
from tests.factories import api_token

SECRET = re.compile(r"^ptk_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def alice(france, employee_in):
    return employee_in(france, roles=[Role.REQUESTER])


@pytest.fixture
def admin(france, employee_in):
    return employee_in(france, roles=[Role.ADMIN])


def test_the_password_exchange_keeps_its_shape_and_issues_a_scoped_30_day_token(api_client, alice, admin):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": alice.user.username, "password": "secret-pass"}, format="json"
    )
    assert response.status_code == 200
    assert list(response.json()) == ["token"]
    assert response["Cache-Control"] == "no-store"
    secret = response.json()["token"]
    assert SECRET.match(secret)
    token = ApiToken.objects.get(user=alice.user)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (token.scopes, token.origin, token.expires_at - token.created_at) == (
        ["read", "requisitions", "approvals", "purchasing"],
        "password",
        timedelta(days=30),
    )
    admins = api_client.post(
        "/api/v1/auth/token/", {"username": admin.user.username, "password": "secret-pass"}, format="json"
    )
    assert ApiToken.objects.get(user=admin.user).scopes == ["read", "requisitions", "approvals", "purchasing", "admin"]
    assert admins.json()["token"] != secret


def test_the_secret_is_stored_nowhere_and_logged_nowhere(api_client, alice, caplog):
    api_client.force_authenticate(alice.user)
    made = api_client.post(
        "/api/v1/tokens/", {"name": "ERP", "scopes": ["read"], "expires_in_days": 7}, format="json"
    ).json()
    secret = made["token"]
    api_client.force_authenticate(None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api_client.get("/api/v1/legal-entities/").status_code == 200
    row = ApiToken.objects.filter(pk=made["id"]).values().get()
    assert secret not in repr(row)
    assert row["hint"] == secret[:8]
    assert all(secret not in repr(event.data) for event in AuditEvent.objects.all())
    assert secret not in caplog.text
    listed = api_client.get("/api/v1/tokens/").json()["results"]
    assert secret not in repr(listed) and "token" not in listed[0]


def test_both_header_forms_are_accepted_and_a_wrong_secret_is_refused(api_client, alice):
    secret = api_token(alice, scopes=["read"])
    for form in ("Bearer", "Token", "bearer"):
        api_client.credentials(HTTP_AUTHORIZATION=f"{form} {secret}")
        assert api_client.get("/api/v1/legal-entities/").status_code == 200
    for header, message in [
        (f"Bearer {secret}x", "Invalid token."),
        ("Bearer " + "x" * 5000, "Invalid token."),
        ("Bearer", "Invalid token header. No credentials provided."),
        (f"Bearer {secret} more", "Invalid token header. Token string should not contain spaces."),
    ]:
        api_client.credentials(HTTP_AUTHORIZATION=header)
        refused = api_client.get("/api/v1/legal-entities/")
        assert (refused.status_code, refused.json()) == (401, {"code": "authentication_failed", "message": message})
        assert refused["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_read_token_reads_and_writes_nothing(api_client, alice, france):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(alice, scopes=['read'])}")
    assert api_client.get("/api/v1/requisitions/").status_code == 200
    refused = api_client.post("/api/v1/requisitions/", {"title": "Pens", "legal_entity": "FR-TEST"}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "insufficient_scope",
        "message": "This token lacks the “requisitions” scope this request needs.",
    }
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(alice, scopes=['requisitions'])}")
    made = api_client.post("/api/v1/requisitions/", {"title": "Pens", "legal_entity": "FR-TEST"}, format="json")
    assert made.status_code == 201


def test_configuration_needs_the_admin_scope_and_the_admin_role(api_client, admin, alice):
    body = {"code": "NEWSUP", "name": "New supplier", "currency": "EUR", "order_method": "none"}
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(admin, scopes=['read', 'purchasing'])}")
    refused = api_client.post("/api/v1/suppliers/", body, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "insufficient_scope")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(alice, scopes=['admin'])}")
    assert api_client.post("/api/v1/suppliers/", body, format="json").json()["code"] == "permission_denied"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(admin, scopes=['admin'])}")
    assert api_client.post("/api/v1/suppliers/", body, format="json").status_code == 201


def test_an_expired_or_revoked_token_is_refused_and_a_revoked_ones_use_is_audited(api_client, alice):
    expired = api_token(alice, days=-1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {expired}")
    answer = api_client.get("/api/v1/legal-entities/")
    assert (answer.status_code, answer.json()) == (401, {"code": "token_expired", "message": "This token has expired."})

    secret = api_token(alice)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    token = ApiToken.objects.get(hint=secret[:8])
    assert api_client.delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    answer = api_client.get("/api/v1/legal-entities/")
    assert (answer.status_code, answer.json()) == (401, {"code": "token_revoked", "message": "This token was revoked."})
    events = AuditEvent.objects.filter(object_type="procurement.ApiToken", object_id=str(token.pk))
    assert sorted(events.values_list("event_type", flat=True)) == ["api_token.revoked", "api_token.used_after_revoke"]
    token.refresh_from_db()
    assert token.revoked_by == alice.user and token.status() == "revoked"


def test_an_inactive_users_token_is_refused(api_client, alice):
    secret = api_token(alice)
    alice.user.is_active = False
    alice.user.save()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api_client.get("/api/v1/legal-entities/").json()["message"] == "User inactive or deleted."


def _token_writes(queries) -> int:
    return sum(q["sql"].startswith('UPDATE "procurement_apitoken"') for q in queries.captured_queries)


def test_last_used_is_written_at_most_once_a_minute(api_client, alice):
    secret = api_token(alice, scopes=["read"])
    token = ApiToken.objects.get(hint=secret[:8])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    api_client.get("/api/v1/legal-entities/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(seconds=30))
    with CaptureQueriesContext(connection) as within_a_minute:
        api_client.get("/api/v1/legal-entities/")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(seconds=61))
    with CaptureQueriesContext(connection) as after_a_minute:
        api_client.get("/api/v1/legal-entities/")
    assert (_token_writes(within_a_minute), _token_writes(after_a_minute)) == (0, 1)
    assert len(after_a_minute.captured_queries) == len(within_a_minute.captured_queries) + 1
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first


def test_tokens_api_makes_lists_and_revokes_with_clear_errors(api_client, alice):
    api_client.force_authenticate(alice.user)
    for body, field in [
        ({"name": "x", "scopes": ["read"], "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "scopes": ["read"], "expires_in_days": 366}, "expires_in_days"),
        ({"name": "x", "scopes": ["everything"], "expires_in_days": 5}, "scopes"),
        ({"name": "x", "scopes": [], "expires_in_days": 5}, "scopes"),
        ({"name": "x", "scopes": ["admin"], "expires_in_days": 5}, "scopes"),
        ({"scopes": ["read"], "expires_in_days": 5}, "name"),
    ]:
        refused = api_client.post("/api/v1/tokens/", body, format="json")
        assert (refused.status_code, refused.json()["code"], list(refused.json()["errors"])) == (
            400,
            "invalid",
            [field],
        )
    assert (
        api_client.post(
            "/api/v1/tokens/", {"name": "x", "scopes": ["admin"], "expires_in_days": 5}, format="json"
        ).json()["message"]
        == "scopes: Your roles do not allow the scope “admin”."
    )

    made = api_client.post(
        "/api/v1/tokens/", {"name": "ERP", "scopes": ["requisitions", "read"], "expires_in_days": 90}, format="json"
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["name"], body["scopes"], body["status"], body["origin"], body["last_used_at"]) == (
        "ERP",
        ["read", "requisitions"],
        "active",
        "api",
        None,
    )
    [listed] = api_client.get("/api/v1/tokens/").json()["results"]
    assert listed == {key: value for key, value in body.items() if key != "token"}
    assert api_client.delete(f"/api/v1/tokens/{body['id']}/").status_code == 204
    assert api_client.get(f"/api/v1/tokens/{body['id']}/").json()["status"] == "revoked"
    assert api_client.delete("/api/v1/tokens/999999/").status_code == 404


def test_a_token_makes_and_revokes_only_tokens_no_stronger_than_itself(api_client, alice, employee_in, france):
    weak = api_token(alice, scopes=["read"], days=10)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {weak}")
    stronger = api_client.post(
        "/api/v1/tokens/", {"name": "x", "scopes": ["read", "approvals"], "expires_in_days": 5}, format="json"
    )
    assert stronger.json()["errors"] == {
        "scopes": ["A token can only make tokens with its own scopes; it lacks “approvals”."]
    }
    longer = api_client.post("/api/v1/tokens/", {"name": "x", "scopes": ["read"], "expires_in_days": 11}, format="json")
    assert longer.json()["errors"] == {"expires_in_days": ["A token cannot make a token that outlives itself."]}
    assert (
        api_client.post("/api/v1/tokens/", {"name": "x", "scopes": ["read"], "expires_in_days": 9}, format="json")
    ).status_code == 201
    strong = ApiToken.objects.get(hint=api_token(alice)[:8])
    refused = api_client.delete(f"/api/v1/tokens/{strong.pk}/")
    assert (refused.status_code, refused.json()["code"]) == (403, "insufficient_scope")
    someone_else = ApiToken.objects.get(hint=api_token(employee_in(france))[:8])
    assert api_client.delete(f"/api/v1/tokens/{someone_else.pk}/").status_code == 404
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 0


def _api_patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _api_patterns(entry, prefix + str(entry.pattern))
        elif (prefix + str(entry.pattern)).startswith("api/v1/"):
            found.append((prefix + str(entry.pattern), entry))
    return found


def test_every_api_write_names_its_scope_and_every_view_checks_it():
    """A new endpoint with a write is refused to every token until SCOPE_OF_WRITE names its scope."""
    factory = APIRequestFactory()
    unmapped, unchecked = [], []
    for route, pattern in _api_patterns(get_resolver()):
        view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
        if view_class is None or pattern.name == "api-token":
            continue
        methods = [m.upper() for m in view_class.http_method_names if hasattr(view_class, m) and m != "options"]
        writes = [m for m in methods if m not in SAFE_METHODS]
        if writes and pattern.name not in SCOPE_OF_WRITE and pattern.name not in SCOPE_CHECKED_BY_VIEW:
            unmapped.append((route, writes))
        for method in methods:
            view = view_class()
            view.request = view.initialize_request(factory.generic(method, "/" + route))
            view.kwargs = {}
            if not any(isinstance(p, TokenScopePermission) for p in view.get_permissions()):
                unchecked.append((route, method))
    assert (unmapped, unchecked) == ([], [])


def test_the_migration_turns_each_drf_token_into_a_scoped_token_with_the_same_key(api_client, alice, transactional_db):
    migration = import_module("procurement.migrations.0021_api_tokens_from_drf")
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id int)")
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [key, timezone.now(), alice.user.pk],
        )
    with connection.schema_editor() as editor:
        migration.tokens_from_drf(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=alice.user)
    assert (token.name, token.origin, token.hint, token.scopes, token.expires_at - token.created_at) == (
        "Migrated token",
        "migrated",
        "0123",
        ["read", "requisitions", "approvals", "purchasing", "admin"],
        timedelta(days=90),
    )
    for form in ("Token", "Bearer"):
        api_client.credentials(HTTP_AUTHORIZATION=f"{form} {key}")
        assert api_client.get("/api/v1/legal-entities/").status_code == 200


def test_the_tokens_page_makes_a_token_shows_its_secret_once_and_revokes_it(client, alice):
    client.force_login(alice.user)
    page = client.get("/profile/tokens/")
    assert page.status_code == 200
    assert 'value="admin"' not in page.content.decode()  # not an administrator
    kept = client.post("/profile/tokens/", {"name": "Nightly import", "scopes": ["read"], "expires_in_days": "400"})
    assert kept.status_code == 400
    assert 'value="Nightly import"' in kept.content.decode()
    assert "Ensure this value is less than or equal to 365." in kept.content.decode()

    made = client.post(
        "/profile/tokens/", {"name": "Nightly import", "scopes": ["read", "requisitions"], "expires_in_days": "60"}
    )
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    secret = re.search(r'id="token-secret-value">(ptk_[^<]+)<', made.content.decode()).group(1)
    token = ApiToken.objects.get(user=alice.user)
    assert (token.name, token.scopes, token.origin, token.expires_at - token.created_at) == (
        "Nightly import",
        ["read", "requisitions"],
        "page",
        timedelta(days=60),
    )
    listed = client.get("/profile/tokens/").content.decode()
    assert secret not in listed and f"{secret[:8]}…" in listed and "Nightly import" in listed

    revoked = client.post(f"/profile/tokens/{token.pk}/revoke/", follow=True)
    assert "The token “Nightly import” is revoked." in revoked.content.decode()
    token.refresh_from_db()
    assert token.status() == "revoked"


def test_nobody_revokes_anothers_token_from_the_page(client, alice, admin):
    secret = api_token(admin)
    token = ApiToken.objects.get(hint=secret[:8])
    client.force_login(alice.user)
    assert client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_administrator_lists_and_revokes_anyones_token_in_the_admin(client, alice, admin_user):
    secret = api_token(alice)
    token = ApiToken.objects.get(hint=secret[:8])
    client.force_login(admin_user)
    listing = client.get("/admin/procurement/apitoken/").content.decode()
    assert token.hint in listing and secret not in listing
    client.post("/admin/procurement/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert (token.status(), token.revoked_by) == ("revoked", admin_user)
    assert client.get(f"/admin/procurement/apitoken/{token.pk}/delete/").status_code == 403
