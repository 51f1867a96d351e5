"""The browser side of an ERP punch-in: the one-time StartPage, transfer of the cart, leaving. Mounted in the
`punchout` URL namespace (`requisitions/punchout_urls.py`)."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procurement.errors import ProcurementError
from procurement.middleware import SESSION_KEY as ENTITY_SESSION_KEY
from punchout import oci
from punchout.middleware import punchin_close, punchin_open
from punchout.models import InboundSession
from punchout.punchin_sessions import CartRefused, StartRefused
from punchout.views import SeeOther

from .current_cart import CART_SESSION_KEY
from .punchin_carts import punchin_cart_leave, punchin_cart_open, punchin_cart_transfer


def inbound_start(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time StartPage opens a punch-in beside the browser's own login, never in its place."""
    try:
        session = punchin_cart_open(token=token)
    except StartRefused as refused:
        return render(request, "punchout/refused.html", {"message": refused.message}, status=refused.status)
    except ProcurementError as error:  # the ERP's lines could not become a cart (quantity, unit …)
        message = _("Your purchasing system's cart could not be opened here: %(message)s") % {"message": error.message}
        return render(request, "punchout/refused.html", {"message": message}, status=400)
    assert session.requisition is not None
    earlier = getattr(request, "punchin", None)
    if earlier is not None and earlier.pk != session.pk:
        punchin_cart_leave(session_id=earlier.pk)  # one punch-in per browser: a new StartPage ends the last
    if session.operation in ("edit", "inspect"):
        response = SeeOther(reverse("requisitions:detail", args=[session.requisition.pk]))
    else:
        detail = request.GET.get("detail", "")
        response = SeeOther(reverse("catalog") + (f"?{urlencode({'q': detail})}" if detail else ""))
    entity = session.client.legal_entity
    data: dict[str, object] = {ENTITY_SESSION_KEY: entity.code}
    if session.requisition.is_editable:
        data[CART_SESSION_KEY.format(entity=entity.code)] = session.requisition.pk
    punchin_open(response, session=session, data=data)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _punchin_session(request: HttpRequest) -> InboundSession | None:
    session: InboundSession | None = getattr(request, "punchin", None)
    return session


@require_POST
def inbound_transfer(request: HttpRequest) -> HttpResponse:
    """Send the cart back to the ERP (a page that posts it to the BrowserFormPost URL or HOOK_URL); the
    punch-in ends here."""
    session = _punchin_session(request)
    if session is None:
        return render(
            request, "punchout/refused.html", {"message": _("You are not in a punchout session.")}, status=400
        )
    try:
        transfer = punchin_cart_transfer(session_id=session.pk)
    except StartRefused as refused:
        response = render(request, "punchout/refused.html", {"message": refused.message}, status=refused.status)
        punchin_close(request, response)
        return response
    except oci.OciError as error:  # a line that cannot be written as OCI fields; the session stays open
        message = _("The cart cannot be sent as SAP OCI: %(message)s") % {"message": error.message}
        return render(request, "punchout/refused.html", _not_sent(session, message), status=400)
    except CartRefused as refused:  # mixed currencies without a stored rate; the session stays open
        return render(request, "punchout/refused.html", _not_sent(session, refused.message), status=400)
    response = render(
        request, "punchout/transfer.html", {"url": transfer.url, "fields": transfer.fields, "target": transfer.target}
    )
    punchin_close(request, response)
    response["Cache-Control"] = "no-store"
    return response


def _not_sent(session: InboundSession, message: str) -> dict[str, object]:
    back = reverse("requisitions:detail", args=[session.requisition_id]) if session.requisition_id else ""
    return {
        "message": message,
        "heading": _("The cart was not sent"),
        "back_url": back,
        "back_text": _("Back to the cart"),
    }


@require_POST
def inbound_leave(request: HttpRequest) -> HttpResponse:
    """Leave the punchout session without sending anything back; the punch-in ends here."""
    session = _punchin_session(request)
    if session is not None:
        punchin_cart_leave(session_id=session.pk)
        message = _("You left the punchout session: nothing was sent to %(name)s. You can close this window.") % {
            "name": session.client.name
        }
    else:
        message = _("You are not in a punchout session.")
    response = render(request, "punchout/ended.html", {"message": message})
    punchin_close(request, response)
    return response
