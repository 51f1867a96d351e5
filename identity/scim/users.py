"""A person as a SCIM User: the Django user (userName, name, e-mail, active), their employee (title, manager,
org unit, default cost centre) and their ScimUser row (externalId, employeeNumber).

A client sees the people whose employee's default legal entity is its entity, except staff and superuser accounts
(they keep their own sign-in, as with single sign-on) and the people it deleted.

Writes arrive as attribute changes on a flat state (`state_of`, `operation_apply`, `resource_apply`) and are
checked and resolved into what to write (`changes_resolve`): the user's own fields are written here
(`user_fields_write`); manager, org unit, cost centre and active are people changes the view applies.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.urls import reverse

from procurement.models import CostCentre, Employee, OrgUnit

from ..models import ScimClient, ScimGroup, ScimUser
from .filters import KNOWN_URNS, USER_ID, Path, id_value, path_parse, value_matches
from .protocol import SCHEMA_ENTERPRISE, SCHEMA_USER, ScimError

MAX_USERNAME = 150
MAX_NAME = 150
MAX_EMAIL = 254
MAX_TITLE = 100
MAX_EXTERNAL_ID = 255
MAX_EMPLOYEE_NUMBER = 100
MAX_REFERENCE = 200  # department, cost centre

# Attributes a provider may send that we do not keep: accepted and left alone.
IGNORED = {
    "displayname", "nickname", "profileurl", "usertype", "preferredlanguage", "locale", "timezone", "password",
    "phonenumbers", "ims", "photos", "addresses", "entitlements", "roles", "x509certificates", "organization",
    "division", "meta", "schemas",
}  # fmt: skip
ENTERPRISE_ATTRIBUTES = {"employeenumber", "department", "costcenter", "manager", "organization", "division"}


def users_visible(client: ScimClient) -> QuerySet[Any]:
    user_model = get_user_model()
    return (
        user_model._default_manager.filter(
            employee__default_legal_entity=client.legal_entity, is_staff=False, is_superuser=False
        )
        .exclude(scim_user__deleted_at__isnull=False)
        .order_by("pk")
    )


def users_for_rendering(client: ScimClient, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.select_related(
        "employee__org_unit", "employee__default_cost_centre", "employee__manager__user", "scim_user"
    ).prefetch_related(Prefetch("scim_groups", queryset=ScimGroup.objects.filter(client=client)))


def _scim_row(user: Any) -> ScimUser | None:
    try:
        return user.scim_user
    except ScimUser.DoesNotExist:
        return None


def _iso(moment: Any) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def user_location(request: Any, user_id: Any) -> str:
    return str(request.build_absolute_uri(reverse("scim:user", args=[str(user_id)])))


def user_resource(request: Any, user: Any) -> dict[str, Any]:
    employee: Employee = user.employee
    row = _scim_row(user)
    created = row.created_at if row is not None else user.date_joined
    modified = row.updated_at if row is not None else user.date_joined
    resource: dict[str, Any] = {"schemas": [SCHEMA_USER, SCHEMA_ENTERPRISE], "id": str(user.pk)}
    if row is not None and row.external_id:
        resource["externalId"] = row.external_id
    resource["userName"] = user.username
    full_name = user.get_full_name()
    resource["name"] = {"givenName": user.first_name, "familyName": user.last_name, "formatted": full_name}
    resource["displayName"] = full_name or user.username
    resource["active"] = user.is_active
    resource["emails"] = [{"value": user.email, "type": "work", "primary": True}] if user.email else []
    if employee.job_title:
        resource["title"] = employee.job_title
    resource["groups"] = [
        {"value": str(group.pk), "display": group.display_name, "$ref": group_location(request, group.pk)}
        for group in user.scim_groups.all()
    ]
    enterprise: dict[str, Any] = {}
    if row is not None and row.employee_number:
        enterprise["employeeNumber"] = row.employee_number
    if employee.org_unit is not None:
        enterprise["department"] = employee.org_unit.name
    if employee.default_cost_centre is not None:
        enterprise["costCenter"] = employee.default_cost_centre.code
    if employee.manager is not None:
        manager_user = employee.manager.user
        enterprise["manager"] = {
            "value": str(manager_user.pk),
            "$ref": user_location(request, manager_user.pk),
            "displayName": manager_user.get_full_name() or manager_user.username,
        }
    if enterprise:
        resource[SCHEMA_ENTERPRISE] = enterprise
    resource["meta"] = {
        "resourceType": "User",
        "created": _iso(created),
        "lastModified": _iso(modified),
        "location": user_location(request, user.pk),
        "version": f'W/"{int(modified.timestamp() * 1000)}"',
    }
    return resource


def group_location(request: Any, group_id: Any) -> str:
    return str(request.build_absolute_uri(reverse("scim:group", args=[str(group_id)])))


# ---- the flat state a write changes -----------------------------------------------------------------------------


def state_of(user: Any) -> dict[str, Any]:
    employee: Employee = user.employee
    row = _scim_row(user)
    return {
        "username": user.username,
        "externalid": row.external_id if row is not None else "",
        "givenname": user.first_name,
        "familyname": user.last_name,
        "email": user.email,
        "active": user.is_active,
        "title": employee.job_title,
        "employeenumber": row.employee_number if row is not None else "",
        "department": ("unit", employee.org_unit_id) if employee.org_unit_id else None,
        "costcenter": ("centre", employee.default_cost_centre_id) if employee.default_cost_centre_id else None,
        "manager": str(employee.manager.user_id) if employee.manager is not None else None,
    }


def state_new() -> dict[str, Any]:
    return {
        "username": "",
        "externalid": "",
        "givenname": "",
        "familyname": "",
        "email": "",
        "active": True,
        "title": "",
        "employeenumber": "",
        "department": None,
        "costcenter": None,
        "manager": None,
    }


def _text(value: Any, name: str, max_length: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ScimError(400, f"{name} must be a string.", "invalidValue")
    text = str(value).strip()
    if len(text) > max_length:
        raise ScimError(400, f"{name} is longer than {max_length} characters.", "invalidValue")
    return text


def _boolean(value: Any) -> bool:
    """active: true/false, and Entra ID's "True"/"False" strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ScimError(400, "active must be true or false.", "invalidValue")


def _manager_id(value: Any) -> str | None:
    """A manager reference: "id", {"value": "id"} or [{"value": "id", "$ref": …}] (Entra ID); null or "" clears."""
    if isinstance(value, list):
        if len(value) > 1:
            raise ScimError(400, "manager takes one value.", "invalidValue")
        value = value[0] if value else None
    if isinstance(value, dict):
        value = next((item for key, item in value.items() if key.lower() == "value"), None)
    text = _text(value, "manager", 40)
    return text or None


def _email_from(value: Any) -> str:
    """The work address of an emails value: the primary one, else the work one, else the first."""
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, str):
        return _text(value, "emails.value", MAX_EMAIL)
    if not isinstance(value, list) or len(value) > 20 or not all(isinstance(item, dict) for item in value):
        raise ScimError(400, "emails must be a list of {value, type, primary}.", "invalidValue")
    if not value:
        return ""

    def pick(item: dict[str, Any]) -> tuple[int, int]:
        return (0 if item.get("primary") in (True, "true", "True") else 1, 0 if item.get("type") == "work" else 1)

    chosen = sorted(value, key=pick)[0]
    return _text(chosen.get("value"), "emails.value", MAX_EMAIL)


def attribute_set(state: dict[str, Any], path: Path, value: Any, *, remove: bool = False) -> None:
    """Change one attribute of `state` as an add/replace (or remove) of `path` with `value` says."""
    if path.urn and path.urn not in KNOWN_URNS:
        return  # a custom extension's attribute: not kept
    if path.attr == "" and path.urn == SCHEMA_ENTERPRISE.lower():
        if remove:
            for name in ("employeenumber", "department", "costcenter", "manager"):
                state[name] = "" if name == "employeenumber" else None
            return
        if not isinstance(value, dict):
            raise ScimError(400, "The enterprise extension's value must be an object.", "invalidValue")
        for key, item in value.items():
            attribute_set(state, path_parse(key), item)
        return
    attr, sub = path.attr, path.sub
    if path.urn == SCHEMA_ENTERPRISE.lower() and attr not in ENTERPRISE_ATTRIBUTES:
        return
    if attr in IGNORED or attr in ("organization", "division"):
        return
    if attr == "id":
        raise ScimError(400, "id is assigned by this service and cannot be changed.", "mutability")
    if attr == "groups":
        raise ScimError(400, "groups is read-only: change the group's members.", "mutability")
    if attr == "username":
        if remove:
            raise ScimError(400, "userName is required.", "mutability")
        state["username"] = _text(value, "userName", MAX_USERNAME)
    elif attr == "externalid":
        state["externalid"] = "" if remove else _text(value, "externalId", MAX_EXTERNAL_ID)
    elif attr == "name":
        if sub is None:
            if remove:
                state["givenname"] = state["familyname"] = ""
                return
            if not isinstance(value, dict):
                raise ScimError(400, "name must be an object.", "invalidValue")
            for key, item in value.items():
                attribute_set(state, Path("name", key.lower(), None, "", f"name.{key}"), item)
        elif sub == "givenname":
            state["givenname"] = "" if remove else _text(value, "name.givenName", MAX_NAME)
        elif sub == "familyname":
            state["familyname"] = "" if remove else _text(value, "name.familyName", MAX_NAME)
        # formatted, middleName, honorifics: not kept
    elif attr == "emails":
        if path.value_filter is not None:
            work = {"type": "work", "value": state["email"], "primary": True}
            if not value_matches(path.value_filter, work):
                return  # another type of address (Entra's proxyAddresses): not kept
            if sub not in (None, "value"):
                return
            if remove:
                state["email"] = ""
            else:
                state["email"] = _text(value, "emails.value", MAX_EMAIL) if sub else _email_from(value)
        elif sub is not None:
            if sub == "value":
                state["email"] = "" if remove else _text(value, "emails.value", MAX_EMAIL)
        else:
            state["email"] = "" if remove else _email_from(value)
    elif attr == "active":
        if remove:
            raise ScimError(400, "active cannot be removed: replace it with false.", "mutability")
        state["active"] = _boolean(value)
    elif attr == "title":
        state["title"] = "" if remove else _text(value, "title", MAX_TITLE)
    elif attr == "employeenumber":
        state["employeenumber"] = "" if remove else _text(value, "employeeNumber", MAX_EMPLOYEE_NUMBER)
    elif attr == "department":
        state["department"] = None if remove else (_text(value, "department", MAX_REFERENCE) or None)
    elif attr == "costcenter":
        state["costcenter"] = None if remove else (_text(value, "costCenter", MAX_REFERENCE) or None)
    elif attr == "manager":
        state["manager"] = None if remove else _manager_id(value)
    # anything else (a core attribute we do not keep) is accepted and left alone


def resource_apply(state: dict[str, Any], body: dict[str, Any]) -> None:
    """A POST or PUT body: every attribute it carries replaces ours (those it leaves out are left as they are)."""
    for key, value in body.items():
        if not isinstance(key, str) or key.lower() in ("schemas", "meta", "groups", "id", "password"):
            continue
        if key.lower() in KNOWN_URNS:
            if key.lower() == SCHEMA_ENTERPRISE.lower():
                attribute_set(state, path_parse(key), value)
            continue
        attribute_set(state, path_parse(key), value)


def operation_apply(state: dict[str, Any], operation: Any) -> None:
    """One PATCH operation (RFC 7644 §3.5.2), op names in any case (Entra ID sends "Replace", "Add", "Remove")."""
    if not isinstance(operation, dict):
        raise ScimError(400, "Each operation must be an object.", "invalidSyntax")
    op = str(operation.get("op", "")).lower()
    if op not in ("add", "replace", "remove"):
        raise ScimError(400, f"Unknown operation {str(operation.get('op'))[:20]!r}.", "invalidSyntax")
    path, value = operation.get("path"), operation.get("value")
    if path in (None, ""):
        if op == "remove":
            raise ScimError(400, "A remove operation needs a path.", "noTarget")
        if not isinstance(value, dict):
            raise ScimError(400, "An operation without a path needs an object value.", "invalidValue")
        resource_apply(state, value)  # keys may be paths: "name.givenName", "urn:…:User:employeeNumber"
        return
    attribute_set(state, path_parse(path), value, remove=op == "remove")


# ---- resolving and writing ----------------------------------------------------------------------------------------


@dataclass
class UserChanges:
    """What a write changes, checked: the user's fields, the employee's title, the ScimUser row, and the people
    changes (manager, org unit, cost centre, active) for p2p.people_changes."""

    user_fields: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    external_id: str | None = None
    employee_number: str | None = None
    org: dict[str, Any] = field(default_factory=dict)

    def names(self) -> list[str]:
        names = list(self.user_fields)
        names += ["title"] if self.title is not None else []
        names += ["externalId"] if self.external_id is not None else []
        names += ["employeeNumber"] if self.employee_number is not None else []
        return names + list(self.org)


def _org_unit(client: ScimClient, reference: Any) -> OrgUnit | None:
    if reference is None:
        return None
    if isinstance(reference, tuple):
        return OrgUnit.objects.get(pk=reference[1])
    units = OrgUnit.objects.filter(legal_entity=client.legal_entity)
    unit = units.filter(code=reference).first() or units.filter(name__iexact=reference).first()
    if unit is None:
        raise ScimError(
            400,
            f'department "{reference}": no org unit of {client.legal_entity.code} has this code or name.',
            "invalidValue",
        )
    return unit


def _cost_centre(client: ScimClient, reference: Any) -> CostCentre | None:
    if reference is None:
        return None
    if isinstance(reference, tuple):
        return CostCentre.objects.get(pk=reference[1])
    centres = CostCentre.objects.filter(legal_entity=client.legal_entity, is_active=True)
    centre = centres.filter(code=reference).first() or centres.filter(name__iexact=reference).first()
    if centre is None:
        raise ScimError(
            400,
            f'costCenter "{reference}": no active cost centre of {client.legal_entity.code} has this code or name.',
            "invalidValue",
        )
    return centre


def changes_resolve(client: ScimClient, before: dict[str, Any], after: dict[str, Any], user: Any) -> UserChanges:
    """Check the new state and say what to write; 400 (invalidValue), 409 (uniqueness) naming the attribute."""
    changes = UserChanges()
    username = after["username"]
    if not username:
        raise ScimError(400, "userName is required.", "invalidValue")
    email = after["email"] or (username if "@" in username else "")
    if email and ("@" not in email or " " in email):
        raise ScimError(400, f'emails.value "{email[:100]}" is not an e-mail address.', "invalidValue")
    user_model = get_user_model()
    if username != before["username"]:
        taken = user_model._default_manager.filter(username__iexact=username)
        if user is not None:
            taken = taken.exclude(pk=user.pk)
        if taken.exists():
            raise ScimError(409, f'userName "{username}" is already taken.', "uniqueness")
        changes.user_fields["username"] = username
    for key, name in (("givenname", "first_name"), ("familyname", "last_name")):
        if after[key] != before[key]:
            changes.user_fields[name] = after[key]
    if email != before["email"]:
        changes.user_fields["email"] = email
    if after["title"] != before["title"]:
        changes.title = after["title"]
    if after["externalid"] != before["externalid"]:
        changes.external_id = after["externalid"]
    if after["employeenumber"] != before["employeenumber"]:
        changes.employee_number = after["employeenumber"]
    if after["department"] != before["department"]:
        unit = _org_unit(client, after["department"])
        if before["department"] != (("unit", unit.pk) if unit else None):
            changes.org["org_unit"] = unit
    if after["costcenter"] != before["costcenter"]:
        centre = _cost_centre(client, after["costcenter"])
        if before["costcenter"] != (("centre", centre.pk) if centre else None):
            changes.org["default_cost_centre"] = centre
    if after["manager"] != before["manager"]:
        manager = None
        if after["manager"] is not None:
            key = id_value(after["manager"], USER_ID)
            if user is not None and key == user.pk:
                raise ScimError(400, "A person cannot be their own manager.", "invalidValue")
            manager_user = users_visible(client).select_related("employee").filter(pk=key).first() if key else None
            if manager_user is None:
                raise ScimError(
                    400, f'manager "{after["manager"]}": no user of this legal entity has this id.', "invalidValue"
                )
            manager = manager_user.employee
        changes.org["manager"] = manager
    if after["active"] != before["active"]:
        changes.org["active"] = after["active"]
    return changes


def user_create(client: ScimClient, changes: UserChanges) -> Any:
    """A new user (no usable password: they sign in through the provider) with an employee in the client's entity
    and the identity provider's default roles."""
    user_model = get_user_model()
    fields = changes.user_fields
    user = user_model._default_manager.create_user(
        username=fields["username"],
        email=fields.get("email", ""),
        first_name=fields.get("first_name", ""),
        last_name=fields.get("last_name", ""),
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    employee = Employee.objects.create(
        user=user, default_legal_entity=client.legal_entity, job_title=changes.title or ""
    )
    employee.legal_entities.add(client.legal_entity)
    if client.identity_provider is not None:
        employee.roles.add(*client.identity_provider.default_roles.all())
    ScimUser.objects.create(
        user=user,
        legal_entity=client.legal_entity,
        external_id=changes.external_id or "",
        employee_number=changes.employee_number or "",
    )
    return user


def user_fields_write(client: ScimClient, user: Any, changes: UserChanges) -> None:
    """The user's own fields, the title and the ScimUser row (touched on every write: meta.lastModified)."""
    if changes.user_fields:
        for name, value in changes.user_fields.items():
            setattr(user, name, value)
        user.save(update_fields=list(changes.user_fields))
    if changes.title is not None:
        Employee.objects.filter(pk=user.employee.pk).update(job_title=changes.title)
        user.employee.job_title = changes.title
    row, _created = ScimUser.objects.get_or_create(user=user, defaults={"legal_entity": client.legal_entity})
    if changes.external_id is not None:
        row.external_id = changes.external_id
    if changes.employee_number is not None:
        row.employee_number = changes.employee_number
    row.save()
    user.scim_user = row
