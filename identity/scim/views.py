"""The SCIM 2.0 endpoints under /scim/v2/ (RFC 7644): Users, Groups and the discovery documents.

Each request carries a SCIM client's bearer token (identity.scim.auth) and sees only the people and groups of the
client's legal entity. Writes run in one transaction: the user's own fields here, then manager, org unit, cost
centre and active as people changes (p2p.people_changes: a new manager re-routes open approval tasks, active false
makes a leaver), then the roles the pushed groups give; each is audited (`scim.*`, source "scim", the client named).
No transaction is held across anything but the database.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from p2p.people_changes import EmployeeOrgChange, employees_org_apply
from procurement.events import audit_event_record
from procurement.people import PeopleChangeInvalid

from ..models import ScimClient, ScimGroup, ScimUser
from . import discovery, groups, users
from .auth import client_for_request
from .filters import GROUP_FILTER_FIELDS, GROUP_ID, USER_FILTER_FIELDS, USER_ID, filter_q, id_value
from .protocol import (
    MAX_OPERATIONS,
    SCHEMA_LIST,
    SCHEMA_PATCH,
    ScimError,
    attributes_selected,
    body_json,
    error_response,
    list_response,
    paging,
    scim_response,
)

SOURCE = "scim"
EVENT_USER_CREATED = "scim.user_created"
EVENT_USER_UPDATED = "scim.user_updated"
EVENT_USER_DEACTIVATED = "scim.user_deactivated"
EVENT_USER_REACTIVATED = "scim.user_reactivated"
EVENT_USER_DELETED = "scim.user_deleted"
EVENT_GROUP_CREATED = "scim.group_created"
EVENT_GROUP_UPDATED = "scim.group_updated"
EVENT_GROUP_DELETED = "scim.group_deleted"

Handler = Callable[..., HttpResponse]


def scim_endpoint(methods: tuple[str, ...]) -> Callable[[Handler], Handler]:
    """A SCIM view: its client authenticated (401 in the Error schema), CSRF off (a machine endpoint with its own
    bearer token, no cookies), every refusal a SCIM error and never a 500."""

    def decorate(handler: Handler) -> Handler:
        @csrf_exempt
        @functools.wraps(handler)
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            client = client_for_request(request)
            try:
                if client is None:
                    raise ScimError(401, "A valid SCIM bearer token is needed (Authorization: Bearer …).")
                if request.method not in methods:
                    raise ScimError(405, f"{request.method} is not supported here.")
                return handler(request, client, *args, **kwargs)
            except ScimError as error:
                return error_response(error)
            except PeopleChangeInvalid as error:
                return error_response(ScimError(400, str(error), "invalidValue"))
            except IntegrityError:  # a create racing another with the same userName or group name
                return error_response(ScimError(409, "This conflicts with an existing resource.", "uniqueness"))

        return view

    return decorate


def _audit(client: ScimClient, event_type: str, obj: Any, **data: Any) -> None:
    audit_event_record(
        event_type=event_type,
        actor=None,
        legal_entity=client.legal_entity,
        obj=obj,
        data={"source": SOURCE, "client": client.name, "client_id": client.pk, **data},
    )


def _operations(body: dict[str, Any]) -> list[Any]:
    schemas = body.get("schemas")
    if isinstance(schemas, list) and schemas and SCHEMA_PATCH not in schemas:
        raise ScimError(400, f"A PATCH body is a {SCHEMA_PATCH}.", "invalidSyntax")
    operations = next((value for key, value in body.items() if key.lower() == "operations"), None)
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "A PATCH body needs a list of Operations.", "invalidSyntax")
    if len(operations) > MAX_OPERATIONS:
        raise ScimError(400, f"At most {MAX_OPERATIONS} operations in one request.", "tooMany")
    return operations


# ---- discovery ------------------------------------------------------------------------------------------------


@scim_endpoint(("GET",))
def service_provider_config(request: HttpRequest, client: ScimClient) -> HttpResponse:
    return scim_response(discovery.service_provider_config(request))


def _listed(resources: list[dict[str, Any]]) -> HttpResponse:
    return scim_response(
        {
            "schemas": [SCHEMA_LIST],
            "totalResults": len(resources),
            "startIndex": 1,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


@scim_endpoint(("GET",))
def resource_types(request: HttpRequest, client: ScimClient) -> HttpResponse:
    return _listed(discovery.resource_types(request))


@scim_endpoint(("GET",))
def resource_type(request: HttpRequest, client: ScimClient, name: str) -> HttpResponse:
    for item in discovery.resource_types(request):
        if item["id"] == name:
            return scim_response(item)
    raise ScimError(404, f"No resource type {name[:40]!r}.")


@scim_endpoint(("GET",))
def schemas(request: HttpRequest, client: ScimClient) -> HttpResponse:
    return _listed(discovery.schemas(request))


@scim_endpoint(("GET",))
def schema(request: HttpRequest, client: ScimClient, schema_id: str) -> HttpResponse:
    for item in discovery.schemas(request):
        if item["id"] == schema_id:
            return scim_response(item)
    raise ScimError(404, f"No schema {schema_id[:100]!r}.")


# ---- Users ----------------------------------------------------------------------------------------------------


def _user_or_404(client: ScimClient, user_id: str, *, lock: bool = False) -> Any:
    key = id_value(user_id, USER_ID)
    queryset = users.users_visible(client)
    user = queryset.filter(pk=key).first() if key is not None else None
    if user is None:
        raise ScimError(404, f"User {user_id[:60]} not found.")
    if lock:
        user = type(user)._default_manager.select_for_update().get(pk=user.pk)
    return user


def _user_shown(request: HttpRequest, client: ScimClient, user_id: int, status: int = 200) -> HttpResponse:
    user = users.users_for_rendering(client, users.users_visible(client)).get(pk=user_id)
    resource = users.user_resource(request, user)
    headers = {"Location": resource["meta"]["location"]} if status == 201 else None
    return scim_response(attributes_selected(resource, request.GET), status=status, headers=headers)


def _people_change(client: ScimClient, user: Any, org: dict[str, Any]) -> None:
    if org:
        employees_org_apply(changes=[EmployeeOrgChange(employee=user.employee, **org)], by=None, source=SOURCE)


def _user_written(client: ScimClient, user: Any, changes: users.UserChanges, *, created: bool) -> None:
    names = changes.names()
    if created:
        _audit(client, EVENT_USER_CREATED, user, user=user.username, attributes=names)
    elif [name for name in names if name != "active"]:  # a deactivation alone is its own event
        _audit(client, EVENT_USER_UPDATED, user, user=user.username, attributes=names)
    if changes.org.get("active") is False:
        _audit(client, EVENT_USER_DEACTIVATED, user, user=user.username)
    elif changes.org.get("active") is True and not created:
        _audit(client, EVENT_USER_REACTIVATED, user, user=user.username)


@scim_endpoint(("GET", "POST"))
def users_list(request: HttpRequest, client: ScimClient) -> HttpResponse:
    if request.method == "POST":
        return _user_create(request, client)
    queryset = users.users_visible(client)
    text = request.GET.get("filter", "").strip()
    if text:
        queryset = queryset.filter(filter_q(text, USER_FILTER_FIELDS)).distinct()
    start, count = paging(request.GET)
    total = queryset.count()
    page = list(users.users_for_rendering(client, queryset)[start - 1 : start - 1 + count]) if count else []
    resources = [attributes_selected(users.user_resource(request, user), request.GET) for user in page]
    return list_response(resources, total, start)


def _user_create(request: HttpRequest, client: ScimClient) -> HttpResponse:
    body = body_json(request)
    after = users.state_new()
    users.resource_apply(after, body)
    with transaction.atomic():
        # A user this client deleted comes back under the same id when the provider creates them again.
        deleted = (
            ScimUser.objects.select_related("user__employee")
            .filter(
                legal_entity=client.legal_entity,
                deleted_at__isnull=False,
                user__username__iexact=after["username"],
                user__employee__default_legal_entity=client.legal_entity,
            )
            .first()
        )
        if deleted is not None:
            ScimUser.objects.filter(pk=deleted.pk).update(deleted_at=None)
            user = deleted.user
            changes = users.changes_resolve(client, users.state_of(user), after, user)
            users.user_fields_write(client, user, changes)
            _people_change(client, user, changes.org)
            _user_written(client, user, changes, created=True)
        else:
            changes = users.changes_resolve(client, users.state_new(), after, None)
            active = changes.org.pop("active", None)
            user = users.user_create(client, changes)
            if active is False:
                changes.org["active"] = False
            _people_change(client, user, changes.org)
            _user_written(client, user, changes, created=True)
    return _user_shown(request, client, user.pk, status=201)


@scim_endpoint(("GET", "PUT", "PATCH", "DELETE"))
def user_detail(request: HttpRequest, client: ScimClient, user_id: str) -> HttpResponse:
    if request.method == "GET":
        return _user_shown(request, client, _user_or_404(client, user_id).pk)
    if request.method == "DELETE":
        return _user_delete(client, user_id)
    body = body_json(request)
    operations = _operations(body) if request.method == "PATCH" else []
    with transaction.atomic():
        user = _user_or_404(client, user_id, lock=True)
        before = users.state_of(user)
        after = dict(before)
        if request.method == "PUT":
            users.resource_apply(after, body)
        for operation in operations:
            users.operation_apply(after, operation)
        changes = users.changes_resolve(client, before, after, user)
        users.user_fields_write(client, user, changes)
        _people_change(client, user, changes.org)
        _user_written(client, user, changes, created=False)
    return _user_shown(request, client, user.pk)


def _user_delete(client: ScimClient, user_id: str) -> HttpResponse:
    """The provider deleted the person: a leaver (if still active), out of the client's groups and gone from its
    view; the user and their documents stay (requisitions, orders and the audit name them)."""
    with transaction.atomic():
        user = _user_or_404(client, user_id, lock=True)
        if user.is_active:
            _people_change(client, user, {"active": False})
            _audit(client, EVENT_USER_DEACTIVATED, user, user=user.username)
        left = list(ScimGroup.objects.filter(client=client, members=user))
        for group in left:
            group.members.remove(user)
        roles = groups.roles_resync(client, {user.pk})
        row, _created = ScimUser.objects.get_or_create(user=user, defaults={"legal_entity": client.legal_entity})
        row.deleted_at = timezone.now()
        row.save()
        _audit(
            client,
            EVENT_USER_DELETED,
            user,
            user=user.username,
            groups_left=[group.display_name for group in left],
            roles=roles.get(str(user.pk), {}),
        )
    return HttpResponse(status=204)


# ---- Groups ---------------------------------------------------------------------------------------------------


def _group_or_404(client: ScimClient, group_id: str, *, lock: bool = False) -> ScimGroup:
    key = id_value(group_id, GROUP_ID)
    queryset = groups.groups_visible(client)
    if lock:
        queryset = queryset.select_for_update()
    group = queryset.filter(pk=key).first() if key is not None else None
    if group is None:
        raise ScimError(404, f"Group {group_id[:60]} not found.")
    return group


def _with_members(request: HttpRequest) -> bool:
    excluded = {name.strip().lower() for name in request.GET.get("excludedAttributes", "").split(",")}
    return "members" not in excluded


def _group_shown(request: HttpRequest, group: ScimGroup, status: int = 200) -> HttpResponse:
    resource = groups.group_resource(request, group, with_members=_with_members(request))
    headers = {"Location": resource["meta"]["location"]} if status == 201 else None
    return scim_response(attributes_selected(resource, request.GET), status=status, headers=headers)


def _group_saved(
    client: ScimClient, group: ScimGroup, before: groups.GroupState | None, after: groups.GroupState
) -> dict[str, Any]:
    """Write the group's new state and set its members' roles again; what changed, for the audit."""
    group.display_name, group.external_id = after.display_name, after.external_id
    group.save()
    old_members = before.members if before is not None else set()
    added, removed = after.members - old_members, old_members - after.members
    if removed:
        group.members.remove(*removed)
    if added:
        group.members.add(*added)
    renamed = before is not None and (before.display_name, before.external_id) != (
        after.display_name,
        after.external_id,
    )
    concerned = (after.members | old_members) if renamed or before is None else (added | removed)
    roles = groups.roles_resync(client, concerned)
    return {
        "group": after.display_name,
        "members_added": sorted(added),
        "members_removed": sorted(removed),
        "renamed": renamed,
        "roles": roles,
    }


@scim_endpoint(("GET", "POST"))
def groups_list(request: HttpRequest, client: ScimClient) -> HttpResponse:
    if request.method == "POST":
        body = body_json(request)
        state = groups.GroupState("", "", "")
        groups.resource_apply(client, state, body, full=True)
        with transaction.atomic():
            groups.name_check(client, state, None)
            group = ScimGroup.objects.create(
                client=client, display_name=state.display_name, external_id=state.external_id
            )
            data = _group_saved(client, group, None, state)
            _audit(client, EVENT_GROUP_CREATED, group, **data)
        return _group_shown(request, group, status=201)
    queryset = groups.groups_visible(client)
    text = request.GET.get("filter", "").strip()
    if text:
        queryset = queryset.filter(filter_q(text, GROUP_FILTER_FIELDS)).distinct()
    start, count = paging(request.GET)
    total = queryset.count()
    page = list(queryset[start - 1 : start - 1 + count]) if count else []
    with_members = _with_members(request)
    resources = [
        attributes_selected(groups.group_resource(request, group, with_members=with_members), request.GET)
        for group in page
    ]
    return list_response(resources, total, start)


@scim_endpoint(("GET", "PUT", "PATCH", "DELETE"))
def group_detail(request: HttpRequest, client: ScimClient, group_id: str) -> HttpResponse:
    if request.method == "GET":
        return _group_shown(request, _group_or_404(client, group_id))
    if request.method == "DELETE":
        with transaction.atomic():
            group = _group_or_404(client, group_id, lock=True)
            members = set(group.members.values_list("pk", flat=True))
            name = group.display_name
            _audit(client, EVENT_GROUP_DELETED, group, group=name, members=sorted(members))
            group.delete()
            roles = groups.roles_resync(client, members)
            if roles:
                _audit(client, EVENT_GROUP_UPDATED, None, group=name, deleted=True, roles=roles)
        return HttpResponse(status=204)
    body = body_json(request)
    operations = _operations(body) if request.method == "PATCH" else []
    with transaction.atomic():
        group = _group_or_404(client, group_id, lock=True)
        before = groups.state_of(group)
        after = groups.GroupState(before.id, before.display_name, before.external_id, set(before.members))
        if request.method == "PUT":
            groups.resource_apply(client, after, body, full=True)
        for operation in operations:
            groups.operation_apply(client, after, operation)
        groups.name_check(client, after, group)
        if after != before:
            data = _group_saved(client, group, before, after)
            _audit(client, EVENT_GROUP_UPDATED, group, **data)
    if request.method == "PATCH":
        return HttpResponse(status=204)
    return _group_shown(request, group)
