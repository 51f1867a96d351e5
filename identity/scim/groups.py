"""A pushed group as a SCIM Group, its members, and the roles they get from it.

A group's members are users the client sees (identity.scim.users.users_visible). The client's identity provider's
group to role mappings (identity.models.GroupRoleMapping) name groups by name or id: a mapping's group is matched
against the SCIM group's displayName and its externalId (Entra ID's group object id, which is also what its groups
claim carries at sign-in). After each membership change the roles of the people concerned are set again from all
the groups they are in (identity.provisioning.roles_from_groups, as at sign-in).
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from procurement.models import Employee

from ..models import ScimClient, ScimGroup
from ..provisioning import roles_from_groups
from .filters import USER_ID, id_value, path_parse, value_matches
from .protocol import MAX_MEMBERS, SCHEMA_GROUP, ScimError
from .users import group_location, user_location, users_visible

MAX_DISPLAY_NAME = 256
MAX_EXTERNAL_ID = 255


def groups_visible(client: ScimClient) -> QuerySet[ScimGroup]:
    return ScimGroup.objects.filter(client=client).order_by("created_at", "pk")


def _iso(moment: Any) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def group_resource(request: Any, group: ScimGroup, *, with_members: bool = True) -> dict[str, Any]:
    resource: dict[str, Any] = {"schemas": [SCHEMA_GROUP], "id": str(group.pk)}
    if group.external_id:
        resource["externalId"] = group.external_id
    resource["displayName"] = group.display_name
    if with_members:
        resource["members"] = [
            {"value": str(user.pk), "display": user.username, "$ref": user_location(request, user.pk)}
            for user in group.members.order_by("pk")
        ]
    resource["meta"] = {
        "resourceType": "Group",
        "created": _iso(group.created_at),
        "lastModified": _iso(group.updated_at),
        "location": group_location(request, group.pk),
        "version": f'W/"{int(group.updated_at.timestamp() * 1000)}"',
    }
    return resource


@dataclass
class GroupState:
    id: str
    display_name: str
    external_id: str
    members: set[int] = field(default_factory=set)


def state_of(group: ScimGroup) -> GroupState:
    return GroupState(
        str(group.pk), group.display_name, group.external_id, set(group.members.values_list("pk", flat=True))
    )


def _text(value: Any, name: str, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ScimError(400, f"{name} must be a string.", "invalidValue")
    if len(value.strip()) > max_length:
        raise ScimError(400, f"{name} is longer than {max_length} characters.", "invalidValue")
    return value.strip()


def _member_ids(client: ScimClient, value: Any) -> set[int]:
    """The users a members value names ([{"value": id, …}], or one such object), each one this client sees."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or len(value) > MAX_MEMBERS:
        raise ScimError(400, f"members must be a list of at most {MAX_MEMBERS} {{value}} objects.", "invalidValue")
    wanted: dict[int, str] = {}
    for item in value:
        raw = item.get("value") if isinstance(item, dict) else None
        key = id_value(str(raw), USER_ID) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
        if key is None:
            raise ScimError(400, f"members: {str(raw)[:60]!r} is not a user id.", "invalidValue")
        wanted[key] = str(raw)
    found = set(users_visible(client).filter(pk__in=list(wanted)).values_list("pk", flat=True))
    unknown = [wanted[key] for key in wanted if key not in found]
    if unknown:
        raise ScimError(400, f"members: no user of this legal entity has the id {unknown[0][:60]!r}.", "invalidValue")
    return found


def resource_apply(client: ScimClient, state: GroupState, body: dict[str, Any], *, full: bool) -> None:
    """A POST or PUT body (`full`: members left out are no members), or a PATCH value without a path."""
    for key, value in body.items():
        name = key.lower() if isinstance(key, str) else ""
        if name.startswith(SCHEMA_GROUP.lower() + ":"):
            name = name[len(SCHEMA_GROUP) + 1 :]
        if name == "displayname":
            state.display_name = _text(value, "displayName", MAX_DISPLAY_NAME)
        elif name == "externalid":
            state.external_id = _text(value, "externalId", MAX_EXTERNAL_ID)
        elif name == "members":
            state.members = _member_ids(client, value or [])
    if full and "members" not in {str(key).lower() for key in body}:
        state.members = set()


def operation_apply(client: ScimClient, state: GroupState, operation: Any) -> None:
    """One PATCH operation on a group: members added, removed (by value or by Entra ID's / Okta's
    `members[value eq "id"]` path), replaced whole (Okta), displayName and externalId replaced."""
    if not isinstance(operation, dict):
        raise ScimError(400, "Each operation must be an object.", "invalidSyntax")
    op = str(operation.get("op", "")).lower()
    if op not in ("add", "replace", "remove"):
        raise ScimError(400, f"Unknown operation {str(operation.get('op'))[:20]!r}.", "invalidSyntax")
    raw_path, value = operation.get("path"), operation.get("value")
    if raw_path in (None, ""):
        if op == "remove":
            raise ScimError(400, "A remove operation needs a path.", "noTarget")
        if not isinstance(value, dict):
            raise ScimError(400, "An operation without a path needs an object value.", "invalidValue")
        if "id" in value and str(value["id"]).lower() != state.id:
            raise ScimError(400, "id is assigned by this service and cannot be changed.", "mutability")
        if op == "add" and "members" in value:
            members = value["members"]
            state.members |= _member_ids(client, members or [])
            value = {key: item for key, item in value.items() if key != "members"}
        resource_apply(client, state, value, full=False)
        return
    path = path_parse(raw_path)
    if path.urn and path.urn != SCHEMA_GROUP.lower():
        return  # an extension's attribute: not kept
    if path.attr == "members":
        if path.value_filter is not None:
            if op != "remove":
                raise ScimError(400, "Members are added or replaced with the path members.", "invalidPath")
            matched = {member for member in state.members if value_matches(path.value_filter, {"value": str(member)})}
            if not matched:
                raise ScimError(400, f"{path.text[:120]}: no member matches.", "noTarget")
            state.members -= matched
        elif op == "add":
            state.members |= _member_ids(client, value or [])
        elif op == "replace":
            state.members = _member_ids(client, value or [])
        elif value in (None, []):
            state.members = set()
        else:
            state.members -= _member_ids(client, value)
    elif path.attr == "displayname":
        if op == "remove":
            raise ScimError(400, "displayName is required.", "mutability")
        state.display_name = _text(value, "displayName", MAX_DISPLAY_NAME)
    elif path.attr == "externalid":
        state.external_id = "" if op == "remove" else _text(value, "externalId", MAX_EXTERNAL_ID)
    elif path.attr == "id":
        raise ScimError(400, "id is assigned by this service and cannot be changed.", "mutability")
    # other attributes (an extension's, meta): not kept


def name_check(client: ScimClient, state: GroupState, group: ScimGroup | None) -> None:
    if not state.display_name:
        raise ScimError(400, "displayName is required.", "invalidValue")
    taken = ScimGroup.objects.filter(client=client, display_name__iexact=state.display_name)
    if group is not None:
        taken = taken.exclude(pk=group.pk)
    if taken.exists():
        raise ScimError(409, f'A group named "{state.display_name}" already exists.', "uniqueness")


def roles_resync(client: ScimClient, user_ids: set[int]) -> dict[str, dict[str, list[str]]]:
    """The roles of these users set again from the client's groups they are in; {user id: {added, removed}} of
    those whose roles changed."""
    provider = client.identity_provider
    if provider is None or not user_ids:
        return {}
    changed: dict[str, dict[str, list[str]]] = {}
    employees = Employee.objects.filter(user_id__in=user_ids).order_by("pk")
    groups_of: dict[int, list[str]] = {user_id: [] for user_id in user_ids}
    for user_id, name, external_id in ScimGroup.objects.filter(client=client, members__in=user_ids).values_list(
        "members", "display_name", "external_id"
    ):
        groups_of[user_id] += [name] + ([external_id] if external_id else [])
    for employee in employees:
        result = roles_from_groups(provider, employee, groups_of.get(employee.user_id, []))
        if any(result.values()):
            changed[str(employee.user_id)] = result
    return changed
