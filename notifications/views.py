"""Pages of notifications: the notification centre, one's preferences, and an entity's webhooks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procurement.models import Employee, Role
from procurement.web import acting_legal_entity, employee_has_role, employee_required, safe_return_url

from .forms import PreferencesForm, WebhookForm
from .selectors import deliveries_of, notifications_of, preferences_of, webhook_get, webhooks_of
from .services import notification_mark_read, notifications_mark_all_read, preferences_save
from .webhooks import WebhookTargetRefused, webhook_create, webhook_test_send, webhook_update

PAGE_SIZE = 50


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first; unread ones stand out."""
    page = Paginator(notifications_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/index.html", {"page": page, "notifications": page.object_list})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read; with `open`, go on to what it is about."""
    notification = notifications_of(user=request.user).filter(pk=pk).first()
    if notification is None or not notification_mark_read(user=request.user, notification_id=pk):
        return render(request, "404.html", {"message": _("There is no such notification.")}, status=404)
    if request.POST.get("open") and notification.link:
        return redirect(safe_return_url(request, notification.link, "notifications:index"))
    return redirect("notifications:index")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)
    messages.success(request, _("Every notification is marked read."))
    return redirect("notifications:index")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """How I hear of each kind of event (e-mail, in the app, both, nothing) and whether e-mails come as a digest."""
    channels, digest = preferences_of(user=request.user)
    initial = {f"kind:{kind}": channel for kind, channel in channels.items()} | {"daily_digest": digest}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        preferences_save(user=request.user, channels=form.channels(), daily_digest=form.cleaned_data["daily_digest"])
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form}, status=400 if form.errors else 200)


def _check_admin(employee: Employee) -> None:
    if not employee_has_role(employee, Role.ADMIN):
        raise PermissionDenied(_("Only an administrator of the legal entity manages its webhooks."))


@employee_required
def webhooks(request: HttpRequest, employee: Employee) -> HttpResponse:
    """The webhooks of the legal entity I act for, and a form to add one (its secret is shown once)."""
    _check_admin(employee)
    entity = acting_legal_entity(request)
    form = WebhookForm(request.POST or None)
    created_secret = None
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, created_secret = webhook_create(
                legal_entity=entity,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                by=request.user,
            )
        except WebhookTargetRefused as refused:
            form.add_error("url", refused.message)
        else:
            form = WebhookForm()
    context = {
        "entity": entity,
        "webhooks": webhooks_of(legal_entity=entity),
        "form": form,
        "created": created,
        "created_secret": created_secret,
    }
    return render(request, "notifications/webhooks.html", context, status=400 if form.errors else 200)


@employee_required
def webhook_detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """One webhook: change it, send a test event, and its delivery log."""
    _check_admin(employee)
    entity = acting_legal_entity(request)
    hook = webhook_get(legal_entity=entity, pk=pk)
    if hook is None:
        return render(request, "404.html", {"message": _("There is no such webhook.")}, status=404)
    initial = {"name": hook.name, "url": hook.url, "events": hook.events, "active": hook.active}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhook_update(
                webhook=hook,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                active=form.cleaned_data["active"],
            )
        except WebhookTargetRefused as refused:
            form.add_error("url", refused.message)
        else:
            messages.success(request, _("The webhook is saved."))
            return redirect("notifications:webhook", pk=hook.pk)
    context = {"webhook": hook, "form": form, "deliveries": deliveries_of(webhook=hook)}
    return render(request, "notifications/webhook_detail.html", context, status=400 if form.errors else 200)


@employee_required
@require_POST
def webhook_test(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    _check_admin(employee)
    hook = webhook_get(legal_entity=acting_legal_entity(request), pk=pk)
    if hook is None:
        return render(request, "404.html", {"message": _("There is no such webhook.")}, status=404)
    webhook_test_send(webhook=hook)
    messages.success(request, _("A test event is on its way; its delivery shows below."))
    return redirect("notifications:webhook", pk=hook.pk)
