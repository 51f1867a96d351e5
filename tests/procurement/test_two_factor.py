"""Two-factor authentication (TOTP) for administrators and finance at a password login, with real codes computed
from the enrolled key (procurement.two_factor)."""

import re
import time

import pytest
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP

from procurement.models import AuditEvent, RecoveryCode, Role, TotpDevice
from tests.factories import PASSWORD, api_token

pytestmark = pytest.mark.usefixtures("two_factor_on")
THROTTLE_SECONDS = 1.1  # after one wrong code, django-otp refuses any for 1 second


@pytest.fixture
def two_factor_on():
    with override_settings(TWO_FACTOR_REQUIRED=True):
        yield


@pytest.fixture
def erin(france, employee_in):
    return employee_in(france, roles=[Role.FINANCE])


def code(device: TotpDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` 30-second steps later) for `device`'s key."""
    totp = TOTP(device.bin_key, 30, 0, 6, 0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def password_login(client, employee, next_page="/requisitions/"):
    return client.post("/login/", {"username": employee.user.username, "password": PASSWORD, "next": next_page})


def enrol(client, employee) -> tuple[TotpDevice, list[str]]:
    password_login(client, employee)
    page = client.get("/two-factor/setup/")
    device = TotpDevice.objects.get(user=employee.user, confirmed=False)
    done = client.post("/two-factor/setup/", {"code": code(device), "next": "/requisitions/"})
    codes = re.findall(r'<code class="user-select-all">([0-9a-f]{5}-[0-9a-f]{5})</code>', done.content.decode())
    assert page.status_code == 200 and done.status_code == 200
    device.refresh_from_db()
    return device, codes


def test_finance_without_an_authenticator_enrols_before_using_the_app(client, erin):
    response = password_login(client, erin)
    assert response.status_code == 302 and response.url == "/requisitions/"
    held = client.get("/requisitions/")
    assert (held.status_code, held.url) == (302, "/two-factor/setup/?next=%2Frequisitions%2F")
    assert client.get("/admin/").url == "/two-factor/setup/?next=%2Fadmin%2F"

    page = client.get("/two-factor/setup/?next=/requisitions/")
    html = page.content.decode()
    assert re.search(r'<div class="mb-3" id="two-factor-qr"><svg [^>]*class="segno"><title>', html)
    assert "style=" not in html and "data:" not in html
    assert page["Cache-Control"] == "no-store"
    device = TotpDevice.objects.get(user=erin.user)
    assert re.search(r'id="two-factor-key">([A-Z2-7]{32})<', html).group(1)

    wrong = client.post("/two-factor/setup/", {"code": "000000" if code(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "The code is wrong: check the time on your phone and type the newest code." in wrong.content.decode()
    time.sleep(THROTTLE_SECONDS)  # each wrong code doubles the wait before the next try (django-otp)

    done = client.post("/two-factor/setup/", {"code": code(device), "next": "/requisitions/"})
    html = done.content.decode()
    assert "Your authenticator app is set up" in html
    assert len(re.findall(r'<code class="user-select-all">[0-9a-f]{5}-[0-9a-f]{5}</code>', html)) == 10
    assert RecoveryCode.objects.filter(user=erin.user).count() == 10
    assert client.get("/requisitions/").status_code == 200
    assert AuditEvent.objects.filter(event_type="two_factor.enrolled", actor=erin.user).count() == 1


def test_after_many_wrong_codes_even_the_right_one_waits(client, erin):
    device, _codes = enrol(client, erin)
    client.logout()
    password_login(client, erin)
    # Ten wrong codes in a row (as a guesser would send them): the next try waits 2⁹ seconds.
    TotpDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )
    refused = client.post("/two-factor/verify/", {"code": code(device, steps_ahead=1), "next": "/"})
    assert refused.status_code == 400
    assert "Too many wrong codes: wait a moment and try again." in refused.content.decode()
    assert client.get("/requisitions/").status_code == 302


def test_the_stored_key_is_encrypted_at_rest(erin, client):
    enrol(client, erin)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT key_hex FROM procurement_totpdevice")
        [(stored,)] = cursor.fetchall()
    assert stored.startswith("encrypted:fernet:")
    assert TotpDevice.objects.get().key_hex not in stored


def test_an_enrolled_login_asks_for_the_code_and_refuses_a_wrong_or_replayed_one(client, erin, django_user_model):
    device, _codes = enrol(client, erin)
    client.logout()

    password_login(client, erin)
    held = client.get("/requisitions/")
    assert held.url == "/two-factor/verify/?next=%2Frequisitions%2F"
    assert client.get("/two-factor/setup/").url.startswith("/two-factor/verify/")  # no second enrolment
    wrong = client.post("/two-factor/verify/?next=/requisitions/", {"code": "12345x", "next": "/requisitions/"})
    assert wrong.status_code == 400
    assert 'value="12345x"' in wrong.content.decode()
    assert "The code is wrong or was used already." in wrong.content.decode()
    time.sleep(THROTTLE_SECONDS)

    later = code(device, steps_ahead=1)  # the enrolment used this step's code: a code is taken once
    passed = client.post("/two-factor/verify/", {"code": later, "next": "/requisitions/"})
    assert (passed.status_code, passed.url) == (302, "/requisitions/")
    assert client.get("/requisitions/").status_code == 200

    client.logout()
    password_login(client, erin)
    replayed = client.post("/two-factor/verify/", {"code": later, "next": "/requisitions/"})
    assert replayed.status_code == 400
    assert client.get("/requisitions/").status_code == 302


def test_a_recovery_code_works_once(client, erin):
    _device, codes = enrol(client, erin)
    client.logout()
    password_login(client, erin)
    assert client.post("/two-factor/verify/", {"code": codes[3].upper(), "next": "/"}).status_code == 302
    assert client.get("/requisitions/").status_code == 200
    client.logout()
    password_login(client, erin)
    assert client.post("/two-factor/verify/", {"code": codes[3], "next": "/"}).status_code == 400
    assert AuditEvent.objects.filter(event_type="two_factor.recovery_code_used").count() == 1


def test_a_requester_is_not_asked_and_single_sign_on_is_not_asked(client, france, employee_in, erin):
    alice = employee_in(france, roles=[Role.REQUESTER])
    password_login(client, alice)
    assert client.get("/requisitions/").status_code == 200
    client.logout()
    with override_settings(TWO_FACTOR_PASSWORD_BACKENDS=["django.contrib.auth.backends.ModelBackend"]):
        client.force_login(erin.user, backend="procurement.auth_backends.UserWithEmployeeBackend")
        assert client.get("/requisitions/").status_code == 200


def test_the_api_waits_for_the_session_s_second_factor_but_not_a_token(client, erin):
    password_login(client, erin)
    refused = client.get("/api/v1/legal-entities/")
    assert (refused.status_code, refused.json()["code"]) == (403, "otp_required")
    answer = client.get("/api/v1/legal-entities/", headers={"Authorization": f"Bearer {api_token(erin)}"})
    assert answer.status_code == 200


def test_the_password_exchange_asks_an_enrolled_user_for_the_code(client, api_client, erin):
    device, _codes = enrol(client, erin)
    body = {"username": erin.user.username, "password": PASSWORD}
    missing = api_client.post("/api/v1/auth/token/", body, format="json")
    assert (missing.status_code, missing.json()["code"]) == (400, "otp_required")
    wrong = api_client.post("/api/v1/auth/token/", {**body, "otp": "99999x"}, format="json")
    assert (wrong.status_code, wrong.json()["message"]) == (400, "The code is wrong or was used already.")
    time.sleep(THROTTLE_SECONDS)
    given = api_client.post("/api/v1/auth/token/", {**body, "otp": code(device, steps_ahead=1)}, format="json")
    assert given.status_code == 200 and given.json()["token"].startswith("ptk_")
