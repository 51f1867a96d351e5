"""ERP punch-in requests: ERP systems (SAP, Ariba, Coupa) set up a session to shop our catalog and get the cart back.

cXML: `cxml_request` answers a PunchOutSetupRequest with a one-time StartPage, or a ProfileRequest with
what we support; every refusal is a cXML Status (400, 401, 403, 406), never an HTML page. OCI:
`oci_login` checks the call-up's user and password and opens the same kind of session. Both are throttled
per credential in the shared cache (`punchout.throttle`): after five failures in a row a caller waits an
exponentially growing delay, capped at five minutes, answered 429 with Retry-After.
The browser side (StartPage, transfer) is in `punchout.punchin_sessions` and `requisitions.punchin_carts`.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import CatalogItem, CustomCatalog, PriceList
from procurement.money import Money, MoneyError, minor_storable
from procurement.selectors import catalog_item_price

from . import cxml, oci
from .models import ErpClient, InboundSession
from .redact import redact_form_fields, redact_text
from .throttle import Throttled, cxml_sender_authenticate, throttle_check, throttle_failure, throttle_success
from .tokens import token_hash
from .web_addresses import HostNotListed, WebAddressRefused, web_address_allowed

logger = logging.getLogger(__name__)

OUR_IDENTITY = cxml.Credential(domain="DUNS", identity=getattr(settings, "CXML_IDENTITY", "ACME-CATALOG"))


class HostNotAllowed(cxml.CXMLError):
    def __init__(self, what: str, refused: WebAddressRefused) -> None:
        if isinstance(refused, HostNotListed):
            message = f"The {what} host {refused.host} is not one this client may return to."
        else:
            message = f"The {what} URL is not one this client may return to: {refused.message}"
        super().__init__(403, message)


class OciLoginRefused(Exception):
    def __init__(self, message: str, status: int, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


def host_allowed(client: ErpClient, url: str) -> str:
    """The return URL as a browser reads it (WHATWG), if its host is on the client's allow-list.

    Raises WebAddressRefused for user-info, backslashes, control characters, schemes other than
    http(s) and hosts not on the list. Hand on the returned URL, not the one the ERP sent.
    """
    return web_address_allowed(url, client.allowed_hosts or []).href


def erp_client_set_oci_password(*, client: ErpClient, password: str) -> None:
    client.oci_password_hash = make_password(password)
    client.save(update_fields=["oci_password_hash"])


# --- cXML ------------------------------------------------------------------------------------------------


def _client_for(header: cxml.Header) -> ErpClient:
    """The client whose From or Sender identity this is and whose secret the Sender carries; throttled per
    identity (see `punchout.throttle`)."""
    return cxml_sender_authenticate(scope="cxml-erp", header=header, authenticate=_client_matching)


def _client_matching(header: cxml.Header) -> ErpClient:
    presented = [*header.from_credentials, header.sender]
    secret = header.sender.shared_secret or ""
    for client in ErpClient.objects.filter(is_active=True, cxml_enabled=True).select_related("legal_entity"):
        known = {
            (str(c.get("domain", "")).casefold(), str(c.get("identity", "")).strip()) for c in client.cxml_identities
        }
        # Constant-time comparison of the secret; a wrong secret and an unknown identity answer alike.
        if (
            any((c.domain.casefold(), c.identity.strip()) in known for c in presented)
            and client.shared_secret
            and secrets.compare_digest(secret.encode(), client.shared_secret.encode())
        ):
            return client
    raise cxml.AuthenticationFailed("Unknown sender or wrong shared secret.")


@dataclass(frozen=True)
class CxmlAnswer:
    body: bytes
    status: int
    retry_after: int | None = None


def cxml_request(*, data: bytes, start_url_for: Any, setup_url: str) -> CxmlAnswer:
    """Answer any cXML request posted to the setup endpoint; never raises."""
    try:
        kind = cxml.document_type(data)
        if kind == "ProfileRequest":
            profile = cxml.parse_profile_request(data)
            _client_for(profile.header)
            answer = cxml.ProfileResponse(
                transactions=(
                    cxml.ProfileTransaction(request_name="PunchOutSetupRequest", url=setup_url),
                    cxml.ProfileTransaction(request_name="ProfileRequest", url=setup_url),
                ),
                options={"Operations": "create edit inspect"},
            )
            return CxmlAnswer(cxml.build_profile_response(answer), 200)
        if kind != "PunchOutSetupRequest":
            raise cxml.NotAPunchoutDocument(f"This endpoint takes PunchOutSetupRequest and ProfileRequest, not {kind}.")
        request = cxml.parse_punchout_setup_request(data)
        client = _client_for(request.header)
        start_url = _open_cxml_session(client, request, start_url_for)
        return CxmlAnswer(cxml.build_punchout_setup_response(start_url), 200)
    except cxml.CXMLError as error:
        logger.info("cXML setup refused: %s %s", error.status_code, redact_text(error.message))
        return CxmlAnswer(cxml.error_response(error), error.status_code, getattr(error, "retry_after", None))


def _open_cxml_session(client: ErpClient, request: cxml.PunchOutSetupRequest, start_url_for: Any) -> str:
    url = (request.browser_form_post_url or "").strip()
    if not url:
        raise cxml.InvalidDocument("The PunchOutSetupRequest has no BrowserFormPost URL to return the cart to.")
    try:
        url = host_allowed(client, url)
    except WebAddressRefused as refused:
        raise HostNotAllowed("BrowserFormPost", refused) from None
    extrinsics = dict(request.extrinsics)
    # Kept with the session (and shown to staff): a password-like extrinsic is stored masked.
    stored_extrinsics = dict(redact_form_fields(list(extrinsics.items())))
    contact = request.contacts[0] if request.contacts else None
    email = _first(extrinsics, "UserEmail", "Email", "EmailAddress") or (contact.email if contact else "") or ""
    name = (
        _first(extrinsics, "UserFullName", "UniqueName")
        or " ".join(filter(None, [_first(extrinsics, "FirstName"), _first(extrinsics, "LastName")]))
        or (contact.name if contact else "")
    )
    for number, item in enumerate(request.items_out, 1):
        _item_out_checked(number, item)
    items = [
        {
            "supplier_part_id": item.supplier_part_id,
            "aux_id": item.supplier_part_auxiliary_id or "",
            "quantity": str(item.quantity),
            "price": str(item.unit_price.amount),
            "currency": item.unit_price.currency,
            "unit": item.unit_of_measure,
            "description": item.text,
        }
        for item in request.items_out
    ]
    ship_to = request.ship_to
    return _open_session(
        client,
        protocol=InboundSession.Protocol.CXML,
        operation=request.operation,
        buyer_cookie=request.buyer_cookie,
        return_url=url,
        email=email,
        name=name,
        extrinsics=stored_extrinsics,
        contact={"name": contact.name, "email": contact.email, "role": contact.role} if contact else {},
        ship_to={"name": ship_to.name, "address_id": ship_to.address_id, "city": ship_to.city} if ship_to else {},
        items_out=items,
        payload_id=request.payload_id,
        deployment_mode=request.deployment_mode,
        start_url_for=start_url_for,
    )


def _item_out_checked(number: int, item: cxml.ItemOut) -> None:
    """An ERP line we could not even read back as money is refused at setup (400), before anything is stored."""
    price = item.unit_price
    try:
        minor_storable(Money(price.amount, price.currency))
    except MoneyError as error:
        raise cxml.InvalidDocument(f"The unit price of ItemOut {number} cannot be read: {error}.") from None


def _first(values: dict[str, str], *names: str) -> str:
    lowered = {key.casefold(): value for key, value in values.items()}
    for name in names:
        value = (lowered.get(name.casefold()) or "").strip()
        if value:
            return value
    return ""


def _open_session(client: ErpClient, *, start_url_for: Any, **fields: Any) -> str:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    InboundSession.objects.create(
        client=client,
        protocol=fields["protocol"],
        operation=fields["operation"],
        buyer_cookie=fields.get("buyer_cookie", "")[:500],
        return_url=fields["return_url"],
        oci_target=fields.get("oci_target", "")[:40],
        start_token_hash=token_hash(token),
        start_expires_at=now + timedelta(minutes=client.start_minutes),
        expires_at=now + timedelta(minutes=client.session_minutes),
        user_email=(fields.get("email") or "")[:254],
        user_name=(fields.get("name") or "")[:200],
        extrinsics=fields.get("extrinsics", {}),
        contact=fields.get("contact", {}),
        ship_to=fields.get("ship_to", {}),
        items_out=fields.get("items_out", []),
        payload_id=(fields.get("payload_id") or "")[:250],
        deployment_mode=fields.get("deployment_mode") or "production",
    )
    url: str = start_url_for(token)
    return url


# --- OCI ---------------------------------------------------------------------------------------------------


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A real hash of a random password, so an unknown user name costs a full password check too."""
    if not _DUMMY:
        _DUMMY.append(make_password(secrets.token_hex(16)))
    return _DUMMY[0]


@dataclass(frozen=True)
class OciLogin:
    client: ErpClient
    start_url: str
    function: str
    params: dict[str, str]


def oci_login(*, params: dict[str, str], start_url_for: Any) -> OciLogin:
    """Check an OCI call-up (USERNAME, PASSWORD, HOOK_URL …), throttled per USERNAME (see punchout.throttle)."""
    upper = {key.upper(): value for key, value in params.items()}
    username = upper.get("USERNAME", "").strip()
    password = upper.get("PASSWORD", "")
    names = [username]
    try:
        throttle_check(scope="oci-erp", credentials=names)
    except Throttled as throttled:
        raise OciLoginRefused(throttled.message, 429, throttled.retry_after) from None
    client = (
        ErpClient.objects.filter(is_active=True, oci_enabled=True, oci_username=username).first() if username else None
    )
    # The hasher runs either way, so an unknown user costs as long as a wrong password.
    valid = check_password(password, (client.oci_password_hash if client else "") or _dummy_hash())
    if client is None or not valid or not client.oci_password_hash:
        throttle_failure(scope="oci-erp", credentials=names)
        raise OciLoginRefused(_("Unknown user or wrong password."), 401)
    throttle_success(scope="oci-erp", credentials=names)
    hook_url = upper.get("HOOK_URL", "").strip()
    if not hook_url:
        raise OciLoginRefused(_("The call-up has no HOOK_URL to return the cart to."), 400)
    try:
        hook_url = host_allowed(client, hook_url)
    except WebAddressRefused as refused:
        raise OciLoginRefused(HostNotAllowed("HOOK_URL", refused).message, 403) from None
    upper["HOOK_URL"] = hook_url
    function = upper.get("FUNCTION", "").strip().upper()
    if function and function not in ("DETAIL", "VALIDATE", "BACKGROUND_SEARCH"):
        raise OciLoginRefused(
            _("FUNCTION=%(function)s is not supported: DETAIL, VALIDATE or BACKGROUND_SEARCH.")
            % {"function": function},
            400,
        )
    if function in ("VALIDATE", "BACKGROUND_SEARCH"):
        return OciLogin(client, "", function, upper)  # answered at once, without a shopping session
    start_url = _open_session(
        client,
        protocol=InboundSession.Protocol.OCI,
        operation="create",
        return_url=hook_url,
        oci_target=upper.get("~TARGET", "_top") or "_top",
        email=upper.get("EMAIL", "") or upper.get("USER_EMAIL", ""),
        name=upper.get("USERNAME", ""),
        extrinsics=dict(
            redact_form_fields([(k, v) for k, v in params.items() if k.upper() not in ("PASSWORD", "USERNAME")])
        ),
        start_url_for=start_url_for,
    )
    return OciLogin(client, start_url, function, upper)


def client_price_lists(client: ErpClient) -> list[PriceList]:
    """The price lists a client's users get: the legal entity's and the client group's, valid today."""
    today = timezone.localdate()
    audience = Q(legal_entities=client.legal_entity)
    if client.group_id:
        audience |= Q(groups=client.group_id)
    return list(
        PriceList.objects.filter(is_active=True)
        .filter(audience)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .distinct()
    )


def client_catalog_items(client: ErpClient) -> QuerySet[CatalogItem]:
    """The items the client's punch-in users see when they shop: the core's custom-catalog rule
    (procurement.selectors.catalog_items_visible) applied to the client's legal entity and group.

    The core selector takes a user (catalogs reach users through their groups); the machine side of OCI
    has no user, only the client's group, so the same rule is applied here to the group itself.
    """
    items = CatalogItem.objects.filter(is_active=True, supplier__is_active=True)
    audience = Q(legal_entities=client.legal_entity)
    if client.group_id:
        audience |= Q(groups=client.group_id)
    catalogs = CustomCatalog.objects.filter(is_active=True).filter(audience)
    if not catalogs.exists():
        return items
    return items.filter(Q(supplier__custom_catalogs__in=catalogs) | Q(custom_catalogs__in=catalogs)).distinct()


def _product_named(product_id: str) -> Q:
    """OCI's PRODUCTID names a product by the EXT_PRODUCT_ID we hand out in every cart (our item id) or by
    our part id (VENDORMAT, the SKU)."""
    product_id = product_id.strip()
    named = Q(sku__iexact=product_id)
    if product_id.isdigit() and len(product_id) < 19:
        named |= Q(pk=int(product_id))
    return named


def oci_product_sku(*, client: ErpClient, product_id: str) -> str:
    """DETAIL: the part id of the product PRODUCTID names in the client's assortment ('' when none); an id
    matching one item's SKU and another's EXT_PRODUCT_ID names the SKU's."""
    items = list(client_catalog_items(client).filter(_product_named(product_id)).values_list("pk", "sku")[:2])
    by_sku = [sku for _, sku in items if sku.casefold() == product_id.strip().casefold()]
    return by_sku[0] if by_sku else (items[0][1] if items else "")


def oci_items_for(
    *, client: ErpClient, product_id: str = "", search: str = "", quantity: Decimal = Decimal(1)
) -> list[oci.OciItem]:
    """VALIDATE (one product by EXT_PRODUCT_ID or SKU) and BACKGROUND_SEARCH (up to 50 matches) at the client's prices,
    within the client's assortment."""
    items = client_catalog_items(client).select_related("supplier")
    if product_id:
        items = items.filter(_product_named(product_id))
    else:
        for word in search.split()[:8]:
            items = items.filter(Q(name__icontains=word) | Q(sku__icontains=word))
    lists = client_price_lists(client)
    found = []
    for index, item in enumerate(items.order_by("name", "pk")[: 1 if product_id else 50], 1):
        price = catalog_item_price(item=item, price_lists=lists)
        found.append(
            oci.OciItem(
                index=index,
                description=item.name,
                quantity=quantity,
                unit=item.unit,
                price=price.amount,
                currency=price.currency,
                lead_time=item.lead_time_days,
                vendor_material=item.sku[:40],
                material_group=item.unspsc,
                vendor=item.supplier.code[:10],
                manufacturer_material=item.manufacturer_part_id[:40],
                ext_product_id=str(item.pk),
            )
        )
    return found
