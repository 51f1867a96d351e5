"""Fuzzing every machine endpoint with mutations of every corpus document.

Given each real protocol document of tests/fixtures (cXML and OCI samples), carrying VALID credentials of
a test ERP client, supplier or punchout session so that the mutations get past authentication into the
parsers and the business logic; when it is posted as is and mutated (byte flips, truncation, huge numbers
in every numeric field, wrong encodings, deleted and duplicated elements, unknown currencies, very long
strings, empty and repeated payloadIDs, duplicated, missing and thousands of form fields); then no answer
is a 5xx, and every refusal is in the endpoint's protocol (cXML Status, or an OCI page, never a debug
page). Documents that belong to another endpoint are posted too, as is and mutated once.

Seeded and deterministic (SEED below). Each case has an id; rerun one with
FUZZ_CASE='<case id>' (or a prefix ending in '*') and -s. The requests per endpoint and the slowest
answer are printed as one JSON line (run with -s) and in the terminal summary: figures, not assertions.
"""

from __future__ import annotations

import base64
import itertools
import json
import random
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote_from_bytes, unquote, urlsplit, urlunsplit

import lxml.html
import pytest
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from lxml import etree

from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from orders.models import PurchaseOrder
from procurement.models import CatalogItem, Employee, Supplier
from punchout import oci
from punchout.models import PunchoutConnection, PunchoutSession
from punchout.services import token_hash
from requisitions.services import requisition_create
from tests.orders.conftest import cxml_supplier, ordered
from tests.orders.supplier_endpoint import SupplierEndpoint
from tests.punchout.support import CXML_SAMPLES, OCI_SAMPLES

from .fuzzing import Fuzzer, cxml_answer_problem, html_answer_problem
from .mutations import (
    FORM,
    Mutant,
    encode_form,
    encode_multipart,
    form_mutants,
    form_sweep,
    parse_tree,
    serialise,
    xml_mutants,
    xml_sweep,
)

SEED = 20261202
# Mutants per document of the endpoint's own kind; documents of other kinds get their baseline and one.
SETUP_MUTANTS = 16
INBOUND_MUTANTS = 24
RETURN_MUTANTS = 8
RETURN_MUTANTS_PER_JSON_CASE = 4
OCI_MUTANTS = 20

SETUP = "/punchout/cxml/setup/"
INBOUND = "/cxml/inbound/"
OCI = "/punchout/oci/"
RETURN = "/punchout/return/<token>/"

ERP_DOMAIN, ERP_IDENTITY = "NetworkID", "ERP-FUZZ"
ERP_SECRET, ERP_OCI_USER = "fuzz-erp-secret", "erp-fuzz"
ERP_RETURN_URL = "http://127.0.0.1:9999/erp/return"
OCI_HOOK = "http://localhost:8123"
SUPPLIER_DOMAIN, SUPPLIER_IDENTITY, SUPPLIER_SECRET = "NetworkId", "fuzz@supplier.example", "fuzz-supplier-secret"
COOKIE = "fuzz-buyer-cookie-0001"
OCI_NUMERIC = re.compile(r"^NEW_ITEM-(QUANTITY|PRICE|PRICEUNIT|LEADTIME)\[", re.IGNORECASE)
OCI_TEXT = re.compile(
    r"^NEW_ITEM-(DESCRIPTION|LONGTEXT|UNIT|VENDORMAT|MATNR|MATGROUP|VENDOR|MANUFACTMAT|MANUFACTCODE|EXT_[A-Z_]+)",
    re.IGNORECASE,
)
CALLUP_NUMERIC = re.compile(r"^QUANTITY$", re.IGNORECASE)


@pytest.fixture
def world(db):
    """What the fuzzed endpoints answer to, built for the test: the buying organisation of
    tests/factories_documents.py (alice's cart, frank the buyer), an ERP client with its cXML and OCI logins
    for the Swedish entity, and a catalog item to validate and search for."""
    from tests.factories import CatalogItemFactory, SupplierFactory
    from tests.factories_documents import ErpClientFactory, buying_organisation

    organisation = buying_organisation()
    ErpClientFactory(
        code=ERP_IDENTITY,
        name="Fuzz ERP",
        legal_entity=organisation.sweden,
        cxml_identities=[{"domain": ERP_DOMAIN, "identity": ERP_IDENTITY}],
        shared_secret=ERP_SECRET,
        oci_username=ERP_OCI_USER,
        oci_password=ERP_SECRET,
    )
    CatalogItemFactory(
        supplier=SupplierFactory(code="OFFICE", name="Office Supplies SARL", currency="EUR"),
        sku="PEN-BLK-10",
        name="Ballpoint pen, black, box of 10",
        unspsc="44121704",
        unit="BX",
        base_price_minor=420,
    )
    return organisation


# --------------------------------------------------------------------------------------------- corpus


def corpus() -> list[Path]:
    """Every sample document (the licence texts are not documents)."""
    return sorted(
        path
        for folder in (CXML_SAMPLES, OCI_SAMPLES)
        for path in folder.iterdir()
        if path.is_file() and not path.name.startswith("LICENSE")
    )


def home(path: Path) -> str | None:
    """The endpoint a document is meant for, or None (our outbound documents, responses, invoices …)."""
    name = path.name
    if name.startswith(("PunchOutSetupRequest__", "ProfileRequest__")):
        return SETUP
    if name.startswith(("ConfirmationRequest__", "ShipNoticeRequest__")):
        return INBOUND
    if name.startswith(("PunchOutOrderMessage__", "POOM_")):
        return RETURN
    if path.parent == OCI_SAMPLES and path.suffix in (".html", ".json"):
        return RETURN
    if name.startswith("13_synthetic_outbound_callups"):
        return OCI
    return None


def rng_for(endpoint: str, document: str) -> random.Random:
    return random.Random(f"{SEED}|{endpoint}|{document}")  # a str seed is hashed the same in every run


def payload_ids(prefix: str) -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"{prefix}-{next(counter)}@fuzz.example"


def is_cxml(data: bytes) -> bool:
    return b"<cxml" in data[:2000].lower()


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname.casefold() if isinstance(element.tag, str) else ""


def _all(root: etree._Element, name: str) -> list[etree._Element]:
    return [e for e in root.iter() if _local(e) == name.casefold()]


def with_credentials(data: bytes, *, domain: str, identity: str, secret: str | None) -> etree._ElementTree:
    """The document with our party in From and Sender (and its secret), as a tree to change further."""
    tree = parse_tree(data)
    root = tree.getroot()
    for header in _all(root, "Header"):
        for part in [e for e in header if _local(e) in ("from", "sender")]:
            for credential in [e for e in part if _local(e) == "credential"]:
                credential.set("domain", domain)
                for child in list(credential):
                    if _local(child) in ("identity", "sharedsecret", "credentialmac", "digitalsignature"):
                        credential.remove(child)
                etree.SubElement(credential, "Identity").text = identity
                if secret is not None and _local(part) == "sender":
                    etree.SubElement(credential, "SharedSecret").text = secret
    return tree


# ----------------------------------------------------------------------------------------------- checks


def baseline(body: bytes, content_type: str, method: str = "POST") -> Mutant:
    return Mutant("baseline", "the document as is, with valid credentials", body, content_type, method)


@dataclass
class Case:
    id: str
    mutant: Mutant


def cases(prefix: str, base: Mutant, mutants: list[Mutant]) -> Iterator[Case]:
    yield Case(f"{prefix}#baseline", base)
    for number, mutant in enumerate(mutants, 1):
        yield Case(f"{prefix}#{number}", mutant)


def turned_away(case: Case, path: Path, endpoint: str, response: HttpResponse | None, codes: tuple) -> bool:
    """A baseline of the endpoint's own documents refused at the door: then the credentials were wrong."""
    return (
        case.mutant.family == "baseline"
        and home(path) == endpoint
        and response is not None
        and response.status_code in codes
    )


def finish(fuzzer: Fuzzer, fuzz_figures, record_property, refused_baselines: list[str]) -> None:
    fuzzer.report(fuzz_figures, record_property)
    # The credentials were right: the mutations reached the parsers and the logic, not just the door.
    assert refused_baselines == [], "documents with valid credentials were turned away"
    assert not fuzzer.failures, fuzzer.failure_text()


# -------------------------------------------------------------------------------- foreign documents


def foreign_form(path: Path) -> list[tuple[str, str]] | None:
    """The fields of a document that is a form (OCI pages, JSON samples, call-ups), else None."""
    data = path.read_bytes()
    if path.suffix == ".html":
        forms = lxml.html.fromstring(data).forms
        return [(i.name, i.value or "") for i in forms[0].inputs if i.name] if forms else []
    if path.suffix == ".txt" and path.name.startswith("POOM_"):
        return parse_qsl(data.decode("ascii"))
    return None


def foreign_mutants(path: Path, endpoint: str, fresh: Callable[[], str], *, credentials: dict | None) -> list[Case]:
    """A document of another kind, as this endpoint would receive it: as is, then mutated once."""
    data = path.read_bytes()
    rng = rng_for(endpoint, path.name)
    prefix = f"{endpoint}:{path.name}"
    if is_cxml(data):
        try:
            tree = with_credentials(data, **credentials) if credentials else parse_tree(data)
            tree.getroot().set("payloadID", fresh())
            body = serialise(tree)
        except etree.XMLSyntaxError:
            body = data  # a sample that is not well-formed on purpose: sent as it is
        if endpoint in (SETUP, INBOUND):
            base = baseline(body, "text/xml; charset=utf-8")
            return list(cases(prefix, base, xml_mutants(body, rng, 1, fresh_payload_id=fresh, baseline_payload_id="")))
        wrapped = wrap_cxml(body, "cxml-urlencoded")
        return list(
            cases(
                prefix,
                baseline(wrapped, FORM),
                form_mutants([("cxml-urlencoded", body.decode())], rng, 1, numeric=OCI_NUMERIC),
            )
        )
    fields = foreign_form(path)
    if fields is None:
        base = baseline(data, "text/plain" if path.suffix != ".json" else "application/json")
        mutant_body = bytearray(data)
        if mutant_body:
            mutant_body[rng.randrange(len(mutant_body))] ^= 0xFF
        return list(cases(prefix, base, [Mutant("byte_flip", "1 byte flipped", bytes(mutant_body), base.content_type)]))
    if endpoint == OCI:
        fields = [*oci_login_fields(), *fields]
    return list(cases(prefix, baseline(encode_form(fields), FORM), form_mutants(fields, rng, 1, numeric=OCI_NUMERIC)))


def wrap_cxml(xml: bytes, field: str) -> bytes:
    """A shop's form post carrying a cXML document: the bytes as they are, base64 or percent-encoded."""
    if field.endswith("base64"):
        return f"{field}=".encode() + quote_from_bytes(base64.b64encode(xml)).encode()
    return f"{field}=".encode() + quote_from_bytes(xml).encode()


# ================================================================================ /punchout/cxml/setup/


def setup_document(data: bytes) -> etree._ElementTree:
    """A setup or profile request from the ERP client, returning to a host it may return to."""
    tree = with_credentials(data, domain=ERP_DOMAIN, identity=ERP_IDENTITY, secret=ERP_SECRET)
    for setup in _all(tree.getroot(), "PunchOutSetupRequest"):
        posts = [e for e in setup if _local(e) == "browserformpost"]
        if not posts:
            cookie = next((e for e in setup if _local(e) == "buyercookie"), None)
            post = etree.Element("BrowserFormPost")
            if cookie is not None:
                cookie.addnext(post)
            else:
                setup.insert(0, post)
            posts = [post]
        for post in posts:
            for url in [e for e in post if _local(e) == "url"]:
                post.remove(url)
            etree.SubElement(posts[0], "URL").text = ERP_RETURN_URL
    return tree


def test_setup_endpoint_survives_mutations_of_every_document(world, fuzz_figures, record_property):
    fuzzer = Fuzzer("punchout_cxml_setup", SEED)
    fresh = payload_ids("setup")
    refused_baselines: list[str] = []

    def follow_start_page(response: HttpResponse) -> None:
        # The StartPage turns the ERP's ItemOut lines into a cart: there the setup's numbers reach the database.
        changed_a_line = case.mutant.family in ("number", "currency") and "ItemOut" in case.mutant.detail
        if not (changed_a_line or (case.mutant.family == "baseline" and b"ItemOut" in case.mutant.body)):
            return
        url = etree.fromstring(response.content).findtext("Response/PunchOutSetupResponse/StartPage/URL")
        if url:
            start = Mutant("browser", f"StartPage after [{case.mutant.label}]", b"", "", "GET")
            fuzzer.send(
                Client(),
                endpoint="StartPage (after setup)",
                path=urlsplit(url).path,
                case=f"{case.id} StartPage",
                mutant=start,
                check=html_answer_problem,
            )

    for path in corpus():
        if home(path) == SETUP:
            tree = setup_document(path.read_bytes())
            pid = fresh()
            tree.getroot().set("payloadID", pid)
            body = serialise(tree)
            rng = rng_for(SETUP, path.name)
            mutants = xml_sweep(body, rng, fresh_payload_id=fresh) + xml_mutants(
                body, rng, SETUP_MUTANTS, fresh_payload_id=fresh, baseline_payload_id=pid
            )
            # Some ERPs post the document as a form field: the same document, and a mutant, that way.
            as_form = [
                Mutant("transport", f"{what} as a {field} form field", wrap_cxml(document, field), FORM)
                for field, document, what in (
                    ("cxml-urlencoded", body, "the document"),
                    ("cXML-base64", mutants[0].body, f"case #1 ({mutants[0].label[:60]})"),
                )
            ]
            batch = list(cases(f"setup:{path.name}", baseline(body, "text/xml; charset=utf-8"), mutants + as_form))
        else:
            credentials = {"domain": ERP_DOMAIN, "identity": ERP_IDENTITY, "secret": ERP_SECRET}
            batch = foreign_mutants(path, SETUP, fresh, credentials=credentials)
        for case in batch:
            if not fuzzer.wanted(case.id):
                continue
            response = fuzzer.send(
                Client(),
                endpoint=SETUP,
                path=SETUP,
                case=case.id,
                mutant=case.mutant,
                check=cxml_answer_problem,
                keep=case.mutant.family == "baseline",
                after=follow_start_page,
            )
            if turned_away(case, path, SETUP, response, (401, 403, 429)):
                refused_baselines.append(f"{path.name}: {response.status_code}")

    finish(fuzzer, fuzz_figures, record_property, refused_baselines)


# ======================================================================================== /cxml/inbound/


@pytest.fixture
def supplier_endpoint():
    running = SupplierEndpoint()
    yield running
    running.close()


@pytest.fixture
def fuzz_supplier(world, supplier_endpoint) -> Supplier:
    purchasing_rule_save(
        rule=PurchasingRule(name="Approve everything", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE)
    )
    supplier = cxml_supplier("FUZZSUP", supplier_endpoint.url, secret=SUPPLIER_SECRET)
    supplier.order_to_identity = SUPPLIER_IDENTITY
    supplier.save()
    return supplier


def new_order(supplier: Supplier) -> PurchaseOrder:
    """An order of three lines, as the corpus' confirmations and ship notices name lines 1 to 3."""
    requisition = ordered(
        [(supplier, "Widget", "20", "2.00"), (supplier, "Gadget", "12", "3.00"), (supplier, "Gizmo", "2", "4.00")],
        title="Fuzzed order",
    )
    return requisition.purchase_orders.get()


def supplier_document(data: bytes, order: PurchaseOrder) -> etree._ElementTree:
    """A confirmation or ship notice from our supplier, for our order (its number and payloadID)."""
    tree = with_credentials(data, domain=SUPPLIER_DOMAIN, identity=SUPPLIER_IDENTITY, secret=SUPPLIER_SECRET)
    order_payload = order.revisions.get(revision=1).payload_id
    for reference in _all(tree.getroot(), "OrderReference"):
        reference.set("orderID", order.number)
        for document in [e for e in reference if _local(e) == "documentreference"]:
            document.set("payloadID", order_payload)
    return tree


def test_supplier_endpoint_survives_mutations_of_every_document(fuzz_supplier, fuzz_figures, record_property):
    fuzzer = Fuzzer("cxml_inbound", SEED)
    fresh = payload_ids("inbound")
    refused_baselines: list[str] = []
    buyer = Client()
    buyer.force_login(Employee.objects.get(user__username="frank").user)
    orders: dict[str, PurchaseOrder] = {}

    def read_the_order(response: HttpResponse) -> None:
        # Finding 3: an accepted document must leave an order that buyers can still open and list.
        if case.mutant.family not in ("baseline", "number"):
            return
        order = orders[current]
        pages = [f"/purchase-orders/{order.pk}/"] + (["/purchase-orders/"] if case.mutant.family == "baseline" else [])
        for page in pages:
            fuzzer.send(
                buyer,
                endpoint="order pages (after a 2xx)",
                path=page,
                case=f"{case.id} {page}",
                mutant=Mutant("browser", f"GET {page} after [{case.mutant.label}]", b"", "", "GET"),
                check=html_answer_problem,
            )

    fallback = new_order(fuzz_supplier)
    for path in corpus():
        current = path.name
        if home(path) == INBOUND:
            orders[current] = new_order(fuzz_supplier)
            tree = supplier_document(path.read_bytes(), orders[current])
            pid = fresh()
            tree.getroot().set("payloadID", pid)
            body = serialise(tree)
            rng = rng_for(INBOUND, path.name)
            mutants = xml_sweep(body, rng, fresh_payload_id=fresh) + xml_mutants(
                body, rng, INBOUND_MUTANTS, fresh_payload_id=fresh, baseline_payload_id=pid
            )
            batch = list(cases(f"inbound:{path.name}", baseline(body, "text/xml; charset=utf-8"), mutants))
        else:
            orders[current] = fallback
            credentials = {"domain": SUPPLIER_DOMAIN, "identity": SUPPLIER_IDENTITY, "secret": SUPPLIER_SECRET}
            batch = foreign_mutants(path, INBOUND, fresh, credentials=credentials)
        for case in batch:
            if not fuzzer.wanted(case.id):
                continue
            response = fuzzer.send(
                Client(),
                endpoint=INBOUND,
                path=INBOUND,
                case=case.id,
                mutant=case.mutant,
                check=cxml_answer_problem,
                keep=case.mutant.family == "baseline",
                after=read_the_order,
            )
            if turned_away(case, path, INBOUND, response, (401, 403, 404, 429)):
                refused_baselines.append(f"{path.name}: {response.status_code}")

    finish(fuzzer, fuzz_figures, record_property, refused_baselines)


# ====================================================================================== /punchout/oci/


def oci_login_fields() -> list[tuple[str, str]]:
    return [("USERNAME", ERP_OCI_USER), ("PASSWORD", ERP_SECRET), ("HOOK_URL", f"{OCI_HOOK}/sap/hook?client=100")]


def callups(sku: str, word: str) -> list[tuple[str, list[tuple[str, str]], Mutant]]:
    """The call-ups of the OCI corpus (13_synthetic_outbound_callups.txt) with the ERP client's login, a
    HOOK_URL it may return to, and a real product: (name, fields, the call-up as sent)."""
    text = (OCI_SAMPLES / "13_synthetic_outbound_callups.txt").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## ([A-E])\. [^\n]*\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL))

    def pairs(block: str) -> list[tuple[str, str]]:
        lines = [line.partition("=") for line in block.splitlines() if re.match(r"^[~\w-]+=", line)]
        return [(name, value) for name, _, value in lines]

    def ours(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
        replaced = {"USERNAME": ERP_OCI_USER, "PASSWORD": ERP_SECRET, "PRODUCTID": sku, "SEARCHSTRING": word}
        mine = []
        for name, value in fields:
            key = name.upper()
            if key == "HOOK_URL":
                url = urlsplit(unquote(value))
                value = urlunsplit(("http", urlsplit(OCI_HOOK).netloc, url.path, url.query, ""))
            mine.append((name, replaced.get(key, value)))
        return mine

    def posted(name: str, fields: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]], Mutant]:
        return name, fields, baseline(encode_form(fields), FORM)

    standard = ours(pairs(sections["A"]))
    found = [posted("A_post", standard)]
    query = ours(parse_qsl(sections["B"].split("?", 1)[1].split()[0]))
    found.append(("B_get", query, baseline(encode_form(query), "", "GET")))
    found.append(posted("C_hook_query", [*[f for f in standard if f[0] != "HOOK_URL"], *ours(pairs(sections["C"]))]))
    for line in sections["D"].splitlines():
        if line.startswith("FUNCTION="):
            function = ours(parse_qsl(line.split()[0]))
            found.append(posted(f"D_{function[0][1]}", [*standard, *function]))
    odoo = ours(pairs(sections["E"]))
    body, multipart = encode_multipart(odoo)
    found.append(("E_multipart_lowercase", odoo, baseline(body, multipart)))
    return found


def test_oci_endpoint_survives_mutations_of_every_document(world, fuzz_figures, record_property):
    fuzzer = Fuzzer("punchout_oci", SEED)
    fresh = payload_ids("oci")
    item = CatalogItem.objects.filter(is_active=True, supplier__is_active=True).order_by("sku").first()
    assert item is not None
    refused_baselines: list[str] = []
    for path in corpus():
        if home(path) == OCI:
            batch: list[Case] = []
            for name, fields, base in callups(item.sku, item.name.split()[0]):
                rng = rng_for(OCI, name)
                # VALIDATE's QUANTITY gets every odd number: it is priced and written back at once.
                mutants = form_sweep(fields, rng, numeric=CALLUP_NUMERIC, every_number=True) + form_mutants(
                    fields,
                    rng,
                    OCI_MUTANTS,
                    numeric=CALLUP_NUMERIC,
                    add_numeric=["QUANTITY"],
                    allow_get=True,
                )
                batch.extend(cases(f"oci:{path.name}:{name}", base, mutants))
        else:
            batch = foreign_mutants(path, OCI, fresh, credentials=None)
        for case in batch:
            if not fuzzer.wanted(case.id):
                continue
            response = fuzzer.send(
                Client(), endpoint=OCI, path=OCI, case=case.id, mutant=case.mutant, check=html_answer_problem
            )
            if turned_away(case, path, OCI, response, (401, 403, 429)):
                refused_baselines.append(f"{case.id}: {response.status_code}")

    finish(fuzzer, fuzz_figures, record_property, refused_baselines)


# ========================================================================== /punchout/return/<token>/


def oci_carts(path: Path) -> list[tuple[str, list[tuple[str, str]], bytes | None]]:
    """The carts of an OCI sample: (name, fields, raw body when the sample gives one)."""
    data = path.read_bytes()
    if path.suffix == ".html":
        return [(path.name, foreign_form(path) or [], None)]
    document = json.loads(data.decode("utf-8"))
    carts: list[tuple[str, list[tuple[str, str]], bytes | None]] = []
    for case in document.get("samples", document.get("cases", [])):
        name = f"{path.name}:{case.get('name') or case.get('id')}"
        if "fields" in case:
            carts.append((name, list(case["fields"].items()), None))
        elif "fields_variants" in case:
            carts.extend((f"{name}:{n}", list(v.items()), None) for n, v in enumerate(case["fields_variants"]))
        elif "raw_pairs" in case:
            carts.append((name, [(k, v) for k, v in case["raw_pairs"]], None))
        elif "raw_field_names" in case:
            names = [raw.split(" ")[0] for raw in case["raw_field_names"]]
            carts.append((name, [(n, f"text of {n}") for n in names], None))
        elif "raw_body_hex" in case:
            raw = bytes.fromhex(case["raw_body_hex"])
            carts.append((name, parse_qsl(raw.decode("latin-1")), raw))
        elif "variants" in case:
            fields = []
            for index, unit in enumerate(case["variants"], 1):
                fields += [
                    (f"NEW_ITEM-DESCRIPTION[{index}]", f"Unit {unit}"),
                    (f"NEW_ITEM-QUANTITY[{index}]", "1"),
                    (f"NEW_ITEM-UNIT[{index}]", unit),
                    (f"NEW_ITEM-PRICE[{index}]", "1.00"),
                    (f"NEW_ITEM-CURRENCY[{index}]", "EUR"),
                ]
            carts.append((name, fields, None))
        else:  # G20: the 1,000-field cart of the note
            carts.append((name, [(f"NEW_ITEM-FIELD{k}[{n}]", "x") for n in range(1, 41) for k in range(25)], None))
    return carts


def complete_cart(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The sample's items with a quantity, price and currency where it gives none (many samples show only
    what they are about): so the mutations reach the cart, not just "line 1 has no quantity"."""
    try:
        items = oci.parse_new_item_form(fields)
    except oci.OciError:
        return fields
    given = {name.upper() for name, _ in fields}
    extra = [
        (f"NEW_ITEM-{field}[{item.index}]", value)
        for item in items
        for field, value in (("QUANTITY", "1"), ("PRICE", "1.00"), ("CURRENCY", "EUR"))
        if f"NEW_ITEM-{field}[{item.index}]" not in given
    ]
    return [*fields, *extra]


def shop_cart(path: Path) -> tuple[str, bytes]:
    """A cXML cart of the corpus for our session (its BuyerCookie, no secret), and the form field it travels in."""
    data = path.read_bytes()
    field = "cxml-base64"
    if path.suffix in (".txt", ".html"):
        fields = foreign_form(path) or []
        field, value = fields[0]
        data = base64.b64decode(value) if field.casefold().endswith("base64") else value.encode("utf-8")
    tree = parse_tree(data)
    for cookie in _all(tree.getroot(), "BuyerCookie"):
        cookie.text = COOKIE
    for secret in _all(tree.getroot(), "SharedSecret"):
        parent = secret.getparent()
        assert parent is not None
        parent.remove(secret)  # a secret in a browser post is refused before the cart is read
    return field, serialise(tree)


@pytest.fixture
def open_session(world) -> Callable[[str], str]:
    """A way to open a live punchout session of alice's cart at a test shop: its return path."""
    shop = Supplier.objects.create(code="FUZZSHOP", name="Fuzz shop", currency="EUR")
    connections = {
        protocol: PunchoutConnection.objects.create(
            supplier=shop,
            name=f"Fuzz {protocol}",
            protocol=protocol,
            url="http://127.0.0.1:9/shop",
            unit_map={"ST": "EA"},
        )
        for protocol in ("cxml", "oci")
    }
    alice = Employee.objects.select_related("user").get(user__username="alice")
    cart = requisition_create(by=alice, legal_entity=world.france, title="Fuzzed cart")

    def open_(protocol: str) -> str:
        token = secrets.token_urlsafe(16)
        PunchoutSession.objects.create(
            connection=connections[protocol],
            employee=alice,
            requisition=cart,
            operation="create",
            token_hash=token_hash(token),
            buyer_cookie=COOKIE,
            expires_at=timezone.now() + timedelta(hours=1),
        )
        return f"/punchout/return/{token}/"

    return open_


def test_punchout_return_survives_mutations_of_every_document(open_session, fuzz_figures, record_property):
    fuzzer = Fuzzer("punchout_return", SEED)
    fresh = payload_ids("return")
    refused_baselines: list[str] = []
    for path in corpus():
        protocol = "oci" if path.parent == OCI_SAMPLES else "cxml"
        if home(path) == RETURN and protocol == "cxml":
            field, xml = shop_cart(path)
            rng = rng_for(RETURN, path.name)
            inner = xml_sweep(xml, rng, fresh_payload_id=fresh) + xml_mutants(
                xml, rng, RETURN_MUTANTS, fresh_payload_id=fresh, baseline_payload_id=""
            )
            mutants = [
                Mutant(m.family, m.detail, wrap_cxml(m.body, field if n % 2 else "cxml-urlencoded"), FORM)
                for n, m in enumerate(inner)
            ]
            text = base64.b64encode(xml).decode() if field.endswith("base64") else xml.decode("utf-8")
            mutants += form_mutants(
                [(field, text)],
                rng,
                4,
                numeric=OCI_NUMERIC,
                add_numeric=["NEW_ITEM-QUANTITY[1]"],
                item_prefix=None,
            )
            batch = list(cases(f"return:{path.name}", baseline(wrap_cxml(xml, field), FORM), mutants))
        elif home(path) == RETURN:
            batch = []
            for name, sample, raw in oci_carts(path):
                fields = complete_cart(sample)
                rng = rng_for(RETURN, name)
                # The JSON samples' 26 small carts are parser gotchas with the same fields as the pages: the
                # pages get the sweep of every field, the gotchas a few random mutants each.
                page = path.suffix == ".html"
                sweep = form_sweep(fields, rng, numeric=OCI_NUMERIC, text=OCI_TEXT) if page else []
                mutants = sweep + form_mutants(
                    fields,
                    rng,
                    RETURN_MUTANTS if page else RETURN_MUTANTS_PER_JSON_CASE,
                    numeric=OCI_NUMERIC,
                    add_numeric=[
                        "NEW_ITEM-QUANTITY[1]",
                        "NEW_ITEM-PRICE[1]",
                        "NEW_ITEM-PRICEUNIT[1]",
                        "NEW_ITEM-LEADTIME[1]",
                    ],
                    item_prefix="NEW_ITEM-",
                    allow_get=True,  # a shop may send the OCI cart back with GET
                )
                added = encode_form(fields[len(sample) :])
                body = (raw + b"&" + added if added else raw) if raw else encode_form(fields)
                batch.extend(cases(f"return:{name}", baseline(body, FORM), mutants))
        else:
            batch = foreign_mutants(path, RETURN, fresh, credentials=None)
        for case in batch:
            if not fuzzer.wanted(case.id):
                continue
            return_path = open_session(protocol)
            response = fuzzer.send(
                Client(),
                endpoint=RETURN,
                path=return_path,
                case=case.id,
                mutant=case.mutant,
                check=html_answer_problem,
            )
            if turned_away(case, path, RETURN, response, (403, 404, 410)):
                refused_baselines.append(f"{case.id}: {response.status_code}")

    finish(fuzzer, fuzz_figures, record_property, refused_baselines)
