"""Wrong secrets on the ERP endpoints are counted per credential in the shared cache, with a bounded backoff."""

import pytest
from django.core.cache import cache
from django.test import Client
from lxml import etree

from punchout import throttle
from punchout.models import InboundSession
from punchout.throttle import Throttled, throttle_check, throttle_failure, throttle_success

SETUP = "/punchout/cxml/setup/"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved forward by the test instead of sleeping."""

    class Clock:
        now = 1_800_000_000.0

        def advance(self, seconds: float) -> None:
            self.now += seconds

    fake = Clock()
    monkeypatch.setattr(throttle, "clock", lambda: fake.now)
    return fake


def test_five_failures_are_free_then_each_further_one_doubles_the_wait_up_to_five_minutes(clock):
    waits = [throttle_failure(scope="t", credentials=["erp-1"]) for _ in range(14)]
    assert waits == [0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    with pytest.raises(Throttled) as wait:
        throttle_check(scope="t", credentials=["ERP-1 "])  # the same credential, however it is spelt
    assert wait.value.retry_after == 300
    throttle_check(scope="t", credentials=["erp-2"])  # another credential is not affected
    throttle_check(scope="other", credentials=["erp-1"])  # nor the same name on another endpoint
    clock.advance(300)
    throttle_check(scope="t", credentials=["erp-1"])  # the wait is over: one more try


def test_a_success_forgets_the_failures(clock):
    for _ in range(5):
        throttle_failure(scope="t", credentials=["erp-1"])
    clock.advance(2)
    throttle_success(scope="t", credentials=["erp-1"])
    assert throttle_failure(scope="t", credentials=["erp-1"]) == 0  # counting starts again


def test_the_count_is_in_the_shared_cache_not_in_this_process(clock):
    for _ in range(6):
        throttle_failure(scope="t", credentials=["erp-1"])
    keys = throttle._keys("t", ["erp-1"])
    # Another worker process sees exactly what the shared cache holds.
    assert cache.get(keys[0]) == 6 and cache.get(keys[0] + ":until") == clock.now + 4


# --- cXML setup -------------------------------------------------------------------------------------------


def setup_request(secret: str, identity: str = "ERP-TEST", sender: str | None = None) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="erp-t@erp.example" timestamp="2026-11-22T10:00:00+01:00">
<Header><From><Credential domain="NetworkID"><Identity>{identity}</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
<Sender><Credential domain="NetworkID"><Identity>{sender or identity}</Identity><SharedSecret>{secret}</SharedSecret>
</Credential><UserAgent>Test ERP</UserAgent></Sender></Header>
<Request><PunchOutSetupRequest operation="create"><BuyerCookie>c-1</BuyerCookie>
<BrowserFormPost><URL>http://127.0.0.1:9999/erp/return</URL></BrowserFormPost>
</PunchOutSetupRequest></Request></cXML>""".encode()


def status_of(response) -> tuple[int, str]:
    status = etree.fromstring(response.content).find("Response/Status")
    return int(status.get("code")), (status.text or "").strip()


@pytest.mark.usefixtures("punch_in")
def test_cxml_setup_backs_off_after_five_wrong_secrets_even_for_the_right_one(clock):
    erp = Client()
    for _ in range(5):
        assert erp.post(SETUP, setup_request("wrong"), content_type="text/xml").status_code == 401
    # During the wait the right secret is refused too: the answer tells a guesser nothing.
    waiting = erp.post(SETUP, setup_request("erp-secret"), content_type="text/xml")
    assert waiting.status_code == 429 and waiting["Retry-After"] == "2"
    assert waiting["Content-Type"].startswith("text/xml")
    assert status_of(waiting) == (429, "Too many failed logins: try again in 2 seconds.")
    assert not InboundSession.objects.exists()
    # A guesser cannot dodge the count by changing the Sender while naming the client in From.
    dodge = erp.post(SETUP, setup_request("wrong", sender="SOMEONE-ELSE"), content_type="text/xml")
    assert dodge.status_code == 429

    clock.advance(2)
    assert erp.post(SETUP, setup_request("erp-secret"), content_type="text/xml").status_code == 200
    # The success reset the count: a wrong secret is an ordinary 401 again, not a wait.
    assert erp.post(SETUP, setup_request("wrong"), content_type="text/xml").status_code == 401


@pytest.mark.usefixtures("punch_in")
def test_cxml_profile_requests_are_throttled_too(clock):
    profile = b"""<?xml version="1.0"?><cXML payloadID="p@erp" timestamp="2026-11-22T10:00:00+01:00"><Header>
<From><Credential domain="NetworkID"><Identity>ERP-TEST</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
<Sender><Credential domain="NetworkID"><Identity>ERP-TEST</Identity><SharedSecret>wrong</SharedSecret></Credential>
<UserAgent>t</UserAgent></Sender></Header><Request><ProfileRequest/></Request></cXML>"""
    answers = [Client().post(SETUP, profile, content_type="text/xml").status_code for _ in range(7)]
    assert answers == [401, 401, 401, 401, 401, 429, 429]


# --- OCI call-up ------------------------------------------------------------------------------------------


def oci_params(**extra: str) -> dict[str, str]:
    return {
        "USERNAME": "erp-test",
        "PASSWORD": "erp-secret",
        "HOOK_URL": "http://localhost:8123/sap/hook?client=100",
        **extra,
    }


@pytest.mark.usefixtures("punch_in")
def test_oci_failures_count_per_user_name_whatever_address_they_come_from(clock):
    for n in range(5):
        guess = Client(REMOTE_ADDR=f"203.0.113.{n}").post("/punchout/oci/", oci_params(PASSWORD=f"guess-{n}"))
        assert guess.status_code == 401
    waiting = Client(REMOTE_ADDR="198.51.100.7").post("/punchout/oci/", oci_params())
    assert waiting.status_code == 429 and waiting["Retry-After"] == "2"
    assert "Too many failed logins: try again in 2 seconds." in waiting.content.decode()
    assert "oci-refused" in waiting.content.decode()  # the OCI error page
    # Another ERP user is not slowed down by someone failing under this one's name.
    other = Client().post("/punchout/oci/", oci_params(USERNAME="someone-else", PASSWORD="x"))
    assert other.status_code == 401

    clock.advance(2)
    assert Client().post("/punchout/oci/", oci_params()).status_code == 303
    assert Client().post("/punchout/oci/", oci_params(PASSWORD="wrong")).status_code == 401  # count reset


@pytest.mark.usefixtures("punch_in")
def test_oci_backoff_is_bounded_not_a_lock(clock):
    for n in range(30):
        if n:
            clock.advance(301)  # every wait is over before the next guess
        assert Client().post("/punchout/oci/", oci_params(PASSWORD="wrong")).status_code == 401
    waiting = Client().post("/punchout/oci/", oci_params())
    assert waiting.status_code == 429 and waiting["Retry-After"] == "300"
    clock.advance(300)
    assert Client().post("/punchout/oci/", oci_params()).status_code == 303
