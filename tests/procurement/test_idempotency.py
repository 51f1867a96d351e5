"""The API's Idempotency-Key: a repeated POST answers the stored response and acts once (docs/api.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView

from procurement.idempotency import IdempotencyKeyPermission
from procurement.models import IdempotencyKey, Role
from requisitions.models import Requisition
from tests.concurrency import run_concurrently
from tests.factories import CatalogItemFactory, CostCentreFactory, EmployeeFactory, SupplierFactory, api_token


@pytest.fixture
def requester(france):
    employee = EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER])
    employee.default_cost_centre = CostCentreFactory(legal_entity=france, code="FR-CC")
    employee.save()
    return employee


@pytest.fixture
def api(api_client, requester):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(requester.user)}")
    return api_client


@pytest.fixture
def pen(france):
    return CatalogItemFactory(supplier=SupplierFactory(code="OFFICE"), sku="PEN-1", name="Blue pen")


def new_cart(api, key=None, title="Lab"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post(
        "/api/v1/requisitions/", {"title": title, "legal_entity": "FR-TEST"}, format="json", headers=headers
    )


def test_a_repeated_post_with_the_same_key_creates_one_cart_and_answers_the_first_response(api, requester):
    first = new_cart(api, key="cart-2026-12-03-001")
    again = new_cart(api, key="cart-2026-12-03-001")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"] == first["Content-Type"]
    assert again.json() == first.json()
    assert Requisition.objects.filter(requester=requester).count() == 1


def test_adding_a_line_twice_with_one_key_adds_the_quantity_once(api, pen):
    cart = new_cart(api).json()
    path = f"/api/v1/requisitions/{cart['id']}/lines/"
    for _ in range(2):
        response = api.post(path, {"sku": "PEN-1", "quantity": "4"}, format="json", headers={"Idempotency-Key": "l1"})
        assert response.status_code == 201, response.json()
    [line] = api.get(f"/api/v1/requisitions/{cart['id']}/").json()["lines"]
    assert (line["sku"], Decimal(line["quantity"])) == ("PEN-1", Decimal(4))


def test_posts_without_a_key_act_each_time(api, requester):
    new_cart(api)
    new_cart(api)
    assert Requisition.objects.filter(requester=requester).count() == 2
    assert IdempotencyKey.objects.count() == 0


def test_the_same_key_for_another_request_is_refused_with_422(api, requester):
    new_cart(api, key="k-1", title="Lab")
    other_body = new_cart(api, key="k-1", title="Office")
    assert other_body.status_code == 422
    assert other_body.json() == {
        "code": "idempotency_key_reused",
        "message": "This Idempotency-Key was used for another request: use a new key for a new request.",
    }
    other_path = api.post("/api/v1/requisitions/999999/submit/", headers={"Idempotency-Key": "k-1"})
    assert other_path.status_code == 422 and other_path.json()["code"] == "idempotency_key_reused"
    assert list(Requisition.objects.filter(requester=requester).values_list("title", flat=True)) == ["Lab"]


def test_keys_belong_to_their_user(api, api_client, requester, france):
    new_cart(api, key="shared-key")
    colleague = EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER])
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {api_token(colleague.user)}")
    response = new_cart(other, key="shared-key")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Requisition.objects.filter(requester=colleague).count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there"])
def test_a_bad_key_is_a_400_and_nothing_is_stored(api, requester, key):
    response = new_cart(api, key=key)
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_idempotency_key",
        "message": "An Idempotency-Key has 1 to 255 printable ASCII characters.",
    }
    assert not Requisition.objects.filter(requester=requester).exists()
    assert IdempotencyKey.objects.count() == 0


def test_a_key_of_255_printable_characters_is_accepted(api):
    key = "".join(chr(32 + i % 95) for i in range(255))
    assert new_cart(api, key=key).status_code == 201
    assert new_cart(api, key=key)["Idempotent-Replayed"] == "true"


def test_a_key_still_running_answers_409(api, requester):
    first = new_cart(api, key="busy")
    IdempotencyKey.objects.filter(key="api:busy").update(completed_at=None)  # as while the first still runs
    running = new_cart(api, key="busy")
    assert first.status_code == 201
    assert running.status_code == 409
    assert running.json() == {
        "code": "idempotency_key_in_progress",
        "message": "A request with this Idempotency-Key is still running: retry when it has answered.",
    }
    assert Requisition.objects.filter(requester=requester).count() == 1


def test_a_claim_left_without_an_answer_for_long_is_taken_again(api, requester):
    new_cart(api, key="crashed")
    IdempotencyKey.objects.filter(key="api:crashed").update(
        completed_at=None, created_at=timezone.now() - timedelta(minutes=6)
    )
    again = new_cart(api, key="crashed")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Requisition.objects.filter(requester=requester).count() == 2


def test_an_expired_key_acts_again_and_expired_rows_are_purged(api, requester):
    new_cart(api, key="old")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = new_cart(api, key="old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Requisition.objects.filter(requester=requester).count() == 2
    assert IdempotencyKey.objects.count() == 1


@override_settings(IDEMPOTENCY_KEY_TTL=60)
def test_the_expiry_is_a_setting(api, requester):
    new_cart(api, key="short")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    assert "Idempotent-Replayed" not in new_cart(api, key="short")
    assert Requisition.objects.filter(requester=requester).count() == 2


def test_an_error_answer_is_replayed_too_and_acts_once(api):
    first = api.post("/api/v1/requisitions/", {"legal_entity": "NOPE"}, format="json", headers={"Idempotency-Key": "e"})
    again = api.post("/api/v1/requisitions/", {"legal_entity": "NOPE"}, format="json", headers={"Idempotency-Key": "e"})
    assert first.status_code == 404
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (404, first.json(), "true")


def test_an_anonymous_post_with_a_key_is_refused_as_before(db, api_client):
    response = new_cart(api_client, key="anon")
    assert response.status_code in (401, 403)
    assert IdempotencyKey.objects.count() == 0


def _api_views(resolver: URLResolver, prefix: str = "") -> list[tuple[str, type[APIView]]]:
    found: list[tuple[str, type[APIView]]] = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _api_views(pattern, route)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
            if route.startswith("api/") and isinstance(view_class, type) and issubclass(view_class, APIView):
                found.append((route, view_class))
    return found


def test_every_api_view_that_takes_a_post_honours_the_key():
    """A view that sets its own permission_classes keeps IdempotencyKeyPermission (the login endpoint and the
    webhook creation aside: their answers hold a secret, which a stored answer would keep in clear)."""
    missing = [
        route
        for route, view_class in _api_views(get_resolver())
        if hasattr(view_class, "post")
        and route not in ("api/v1/auth/token/", "api/v1/webhooks/")
        and IdempotencyKeyPermission not in view_class.permission_classes
    ]
    assert missing == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_key_create_one_cart(france, requester):
    token = api_token(requester.user)

    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return new_cart(client, key="race")

    results = run_concurrently([post, post, post, post])
    statuses = sorted(r.status_code for r in results)
    assert Requisition.objects.filter(requester=requester).count() == 1
    assert statuses[0] == 201
    # The others either waited for the answer (201, replayed) or met the claim still running (409).
    assert set(statuses) <= {201, 409}
    replayed = [r for r in results if r.status_code == 201 and r.get("Idempotent-Replayed") == "true"]
    assert len(replayed) == statuses.count(201) - 1
