"""The fuzzing test's own machinery: it must see every kind of failure, and its mutants must be reproducible.

A fuzzing test that cannot fail proves nothing: here it is pointed at small views that fail in each way
(an exception, a 500 in the endpoint's protocol, an HTML refusal from a cXML endpoint, a debug page).
"""

import random
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from procurement.machine_endpoints import cxml_endpoint
from punchout import cxml
from tests.punchout.support import sample

from .fuzzing import MAX_FAILURE_LINES, Fuzzer, cxml_answer_problem, html_answer_problem
from .mutations import (
    FORM_FAMILIES,
    HUGE_NUMBERS,
    SWEEP_CURRENCIES,
    SWEEP_NUMBERS,
    XML_FAMILIES,
    Mutant,
    form_mutants,
    form_sweep,
    number_spots,
    parse_tree,
    xml_mutants,
    xml_sweep,
)


def raises(request: HttpRequest) -> HttpResponse:
    Group.objects.create(name="written before the crash")
    raise ValueError("boom")


@cxml_endpoint
def raises_behind_the_decorator(request: HttpRequest) -> HttpResponse:
    raise KeyError("boom")


def cxml_refusal(request: HttpRequest) -> HttpResponse:
    return HttpResponse(cxml.error_response(cxml.InvalidDocument("bad")), status=400, content_type="text/xml")


def html_refusal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<h1>Bad request</h1>", status=400)


def debug_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<h1>ValueError</h1><pre>Traceback (most recent call last):</pre>", status=400)


def writes(request: HttpRequest) -> HttpResponse:
    Group.objects.create(name=f"group {Group.objects.count()}")
    return HttpResponse("<p>ok</p>")


urlpatterns = [
    path("raises/", raises),
    path("decorated/", raises_behind_the_decorator),
    path("cxml-refusal/", cxml_refusal),
    path("html-refusal/", html_refusal),
    path("debug-page/", debug_page),
    path("writes/", writes),
]

POST = Mutant("test", "a body", b"<cXML/>", "text/xml")


def send(fuzzer: Fuzzer, url: str, check=cxml_answer_problem, **options) -> HttpResponse | None:
    return fuzzer.send(Client(), endpoint=url, path=url, case=f"harness:{url}", mutant=POST, check=check, **options)


@pytest.mark.urls(__name__)
def test_a_view_that_raises_is_a_failure_with_its_place_and_leaves_nothing_behind(db):
    fuzzer = Fuzzer("harness")
    assert send(fuzzer, "/raises/") is None
    [failure] = fuzzer.failures
    assert (failure.status, failure.what) == (500, "ValueError: boom")
    assert re.fullmatch(r"\(raised in .*tests/security/test_fuzzing_harness\.py:\d+ in raises\)", failure.where)
    assert not Group.objects.exists()  # its savepoint was rolled back; the next request works
    assert send(fuzzer, "/writes/", check=html_answer_problem).status_code == 200


@pytest.mark.urls(__name__)
def test_a_500_answered_by_the_endpoint_decorator_is_a_failure_with_the_logged_place(db):
    fuzzer = Fuzzer("harness")
    response = send(fuzzer, "/decorated/")
    assert response is not None and response.status_code == 500
    [failure] = fuzzer.failures
    assert failure.what == "KeyError (answered 500 by the endpoint's decorator)"
    assert "test_fuzzing_harness.py" in failure.where and "raises_behind_the_decorator" in failure.where


@pytest.mark.urls(__name__)
def test_refusals_must_be_in_the_endpoints_protocol(db):
    fuzzer = Fuzzer("harness")
    send(fuzzer, "/cxml-refusal/")
    assert fuzzer.failures == []
    send(fuzzer, "/html-refusal/")
    send(fuzzer, "/debug-page/", check=html_answer_problem)
    assert [f.what for f in fuzzer.failures] == [
        "protocol: HTTP 400 answer has no cXML Response/Status: b'<h1>Bad request</h1>'",
        "protocol: HTTP 400 answer is a Django debug page",
    ]
    assert send(Fuzzer("harness"), "/html-refusal/", check=html_answer_problem).status_code == 400


@pytest.mark.urls(__name__)
def test_each_case_is_rolled_back_unless_kept(db):
    fuzzer = Fuzzer("harness")
    send(fuzzer, "/writes/", check=html_answer_problem)
    assert not Group.objects.exists()
    send(fuzzer, "/writes/", check=html_answer_problem, keep=True)
    assert list(Group.objects.values_list("name", flat=True)) == ["group 0"]
    figures = fuzzer.summary()["endpoints"]["/writes/"]  # type: ignore[index]
    assert (figures["requests"], figures["statuses"]) == (2, {"200": 2})


def test_the_failure_list_is_grouped_and_capped():
    fuzzer = Fuzzer("harness")
    for number in range(40):
        fuzzer._fail(f"case#{number}", POST, "/x/", 500, f"Error{number}: no", f"here.py:{number}")
    fuzzer._fail("case#again", POST, "/x/", 500, "Error0: no", "here.py:0")
    lines = fuzzer.failure_text().splitlines()
    assert lines[0] == "41 failing answers, 40 distinct (rerun one: FUZZ_CASE='<case>'):"
    assert lines[1].startswith("- /x/ 500 x2: Error0: no @ here.py:0 | case case#0")
    assert len(lines) == MAX_FAILURE_LINES + 1 and lines[-1] == "... and 11 more"


# ---------------------------------------------------------------------------------------------- mutants

CART = sample("PunchOutOrderMessage__6-mils__edit_auxid_leadtime.xml")


def ids() -> Callable[[], str]:
    counter = iter(range(1, 1000))
    return lambda: f"p{next(counter)}"


def test_the_same_seed_gives_the_same_mutants_and_every_family_is_used():
    first = xml_mutants(CART, random.Random(7), 26, fresh_payload_id=ids(), baseline_payload_id="p0")
    again = xml_mutants(CART, random.Random(7), 26, fresh_payload_id=ids(), baseline_payload_id="p0")
    assert first == again
    assert {m.family for m in first} == set(XML_FAMILIES)
    assert first != xml_mutants(CART, random.Random(8), 26, fresh_payload_id=ids(), baseline_payload_id="p0")
    fields = [("NEW_ITEM-QUANTITY[1]", "1"), ("NEW_ITEM-PRICE[1]", "2.00"), ("NEW_ITEM-CURRENCY[1]", "EUR")]
    numeric = re.compile(r"QUANTITY|PRICE")
    forms = form_mutants(fields, random.Random(7), 28, numeric=numeric, item_prefix="NEW_ITEM-", allow_get=True)
    assert forms == form_mutants(fields, random.Random(7), 28, numeric=numeric, item_prefix="NEW_ITEM-", allow_get=True)
    assert {m.family for m in forms} == set(FORM_FAMILIES)


def test_the_sweep_reaches_every_number_currency_and_text_once_per_value():
    spots = number_spots(parse_tree(CART))
    assert len(spots) == 9  # 3 Money, 2 ItemIn@quantity, 2 Classification, 2 LeadTime
    sweep = xml_sweep(CART, random.Random(7), fresh_payload_id=ids())
    texts = 9  # BuyerCookie, 2 x (SupplierPartID, SupplierPartAuxiliaryID, UnitOfMeasure), ShortName, Description
    # every number gets both sweep numbers and one of the other odd numbers, in turn
    assert len(sweep) == 9 * (len(SWEEP_NUMBERS) + 1) + 3 * len(SWEEP_CURRENCIES) + texts
    per_spot = len(SWEEP_NUMBERS) + 1
    others = [m.detail.rsplit(" = ", 1)[1] for m in sweep if m.family == "number"][per_spot - 1 :: per_spot]
    assert len(set(others)) == 9 and not set(others) & {repr(n) for n in SWEEP_NUMBERS}
    assert "ItemIn[2]@quantity = '1E+26'" in {m.detail.rsplit("/", 1)[-1] for m in sweep}
    assert all(b'payloadID="p' in m.body for m in sweep)  # each a fresh payloadID: none is a replay
    fields = [("NEW_ITEM-QUANTITY[1]", "1"), ("NEW_ITEM-CURRENCY[1]", "EUR"), ("NEW_ITEM-QUANTITY[2]", "1")]
    form = [m.detail for m in form_sweep(fields, random.Random(7), numeric=re.compile(r"QUANTITY"))]
    assert form[:3] == [f"NEW_ITEM-QUANTITY[1] = {n!r}" for n in SWEEP_NUMBERS]
    assert form[4:] == ["NEW_ITEM-CURRENCY[1] = 'EURO'", "NEW_ITEM-CURRENCY[1] = 'XXX'"]  # item 2 is left out
    every = form_sweep(fields[:1], random.Random(7), numeric=re.compile(r"QUANTITY"), every_number=True)
    assert [m.detail for m in every] == [f"NEW_ITEM-QUANTITY[1] = {n!r}" for n in HUGE_NUMBERS]
