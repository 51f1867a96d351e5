"""The browser side of an ERP punch-in: the one-time StartPage, transfer of the cart, leaving."""

from urllib.parse import urlencode

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from procurement.errors import ProcurementError
from procurement.middleware import SESSION_KEY as ENTITY_SESSION_KEY
from procurement.models import Employee
from requisitions.views import choose_cart, employee_required

from . import oci, punchin
from .views import SeeOther

INBOUND_SESSION_KEY = "punchout_inbound"
PREVIOUS_ENTITY_KEY = "punchout_previous_entity"


def inbound_start(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time StartPage: log the ERP's user in to a punchout session with its own cart."""
    try:
        session = punchin.inbound_start(token=token)
    except punchin.StartRefused as refused:
        return render(request, "punchout/refused.html", {"message": refused.message}, status=refused.status)
    except ProcurementError as error:  # the ERP's lines could not become a cart (quantity, unit …)
        message = f"Your purchasing system's cart could not be opened here: {error.message}"
        return render(request, "punchout/refused.html", {"message": message}, status=400)
    assert session.employee is not None and session.requisition is not None
    previous_entity = None
    if request.user == session.employee.user:  # already logged in here (the demo loop): come back to this entity
        current = request.org.legal_entity  # type: ignore[attr-defined]
        previous_entity = current.code if current else None
    login(request, session.employee.user, backend="django.contrib.auth.backends.ModelBackend")
    if previous_entity:
        request.session[PREVIOUS_ENTITY_KEY] = previous_entity
    request.session[INBOUND_SESSION_KEY] = session.pk
    request.session[ENTITY_SESSION_KEY] = session.client.legal_entity.code
    choose_cart(request, session.requisition)
    if session.operation in ("edit", "inspect"):
        return SeeOther(reverse("requisitions:detail", args=[session.requisition.pk]))
    detail = request.GET.get("detail", "")
    return SeeOther(reverse("catalog") + (f"?{urlencode({'q': detail})}" if detail else ""))


@require_POST
@employee_required
def inbound_transfer(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Send the cart back to the ERP: a page that posts it to the BrowserFormPost URL or HOOK_URL."""
    session_id = request.session.get(INBOUND_SESSION_KEY)
    if not isinstance(session_id, int):
        return render(request, "punchout/refused.html", {"message": "You are not in a punchout session."}, status=400)
    try:
        transfer = punchin.inbound_transfer(session_id=session_id, employee=employee)
    except punchin.StartRefused as refused:
        return render(request, "punchout/refused.html", {"message": refused.message}, status=refused.status)
    except oci.OciError as error:  # a line that cannot be written as OCI fields; the session stays open
        message = f"The cart cannot be sent as SAP OCI: {error.message}"
        return render(request, "punchout/refused.html", {"message": message}, status=400)
    response = render(
        request, "punchout/transfer.html", {"url": transfer.url, "fields": transfer.fields, "target": transfer.target}
    )
    _end_punchout(request, employee)
    response["Cache-Control"] = "no-store"
    return response


def _end_punchout(request: HttpRequest, employee: Employee) -> None:
    """A punchout-only user is logged out; an employee who was matched (and may have been logged in already,
    as in the demo loop) goes back to where they were."""
    if employee.user.has_usable_password():
        request.session.pop(INBOUND_SESSION_KEY, None)
        previous = request.session.pop(PREVIOUS_ENTITY_KEY, None)
        if previous:
            request.session[ENTITY_SESSION_KEY] = previous
    else:
        logout(request)


@require_POST
@employee_required
def inbound_leave(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Leave the punchout session without sending anything back."""
    session_id = request.session.get(INBOUND_SESSION_KEY)
    if isinstance(session_id, int):
        punchin.inbound_leave(session_id=session_id, employee=employee)
    _end_punchout(request, employee)
    return SeeOther(reverse("home"))
