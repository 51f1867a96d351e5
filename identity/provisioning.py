"""Just-in-time provisioning: the employee of a person who signs in, created or brought up to date from the ID
token's claims as their provider's claim mapping says (e-mail, name, legal entity, org unit, cost centre, manager,
roles by group).

A value we cannot map (an org unit or cost centre code unknown in the entity, a legal entity the provider may not
name, an e-mail outside the provider's domains) refuses the sign-in with a message that names the claim and the
value; an unknown manager does not (the manager may not have signed in yet): the person is told, and the rest is
applied.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import CostCentre, Employee, LegalEntity, OrgUnit, Role

from .models import ExternalIdentity, IdentityProvider, normalise_domain
from .oidc import SignInFailed

MAX_TEXT = 254
MAX_GROUPS = 2000
MAX_GROUP_NAME = 256


@dataclass
class Provisioned:
    user: Any
    employee: Employee
    created: bool
    changed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # An existing employee's manager, org unit or default cost centre as the claims give them, not written here: a
    # change there may move open approval work, which `identity.sso_people.sso_provision` has the people changes do.
    org_change: dict[str, Any] = field(default_factory=dict)


def _mapping_error(provider: IdentityProvider, claim: str, value: str, reason: str) -> SignInFailed:
    return SignInFailed(
        "claim_mapping",
        _('%(provider)s says %(claim)s = "%(value)s": %(reason)s Ask your administrator to fix the mapping.')
        % {"provider": provider.name, "claim": claim, "value": value[:MAX_TEXT], "reason": reason},
        403,
    )


def _text(provider: IdentityProvider, claims: dict[str, Any], name: str, max_length: int = MAX_TEXT) -> str | None:
    """A claim's text (None when the mapping or the token has none); anything else than short text is refused."""
    if not name or claims.get(name) in (None, ""):
        return None
    value = claims[name]
    if not isinstance(value, str) or len(value) > max_length:
        raise _mapping_error(
            provider,
            name,
            str(value)[:80],
            _("the value is not text of at most %(max)d characters.") % {"max": max_length},
        )
    return value.strip()


def _groups(provider: IdentityProvider, claims: dict[str, Any]) -> list[str] | None:
    name = provider.groups_claim
    if not name or name not in claims:
        return None  # no groups claim in this token: roles are left as they are
    value = claims[name]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or len(value) > MAX_GROUPS:
        raise _mapping_error(provider, name, str(value)[:80], _("the value is not a list of groups."))
    groups = []
    for item in value:
        if not isinstance(item, str) or len(item) > MAX_GROUP_NAME:
            raise _mapping_error(provider, name, str(item)[:80], _("a group is not a name of at most 256 characters."))
        groups.append(item)
    return groups


def provision(provider: IdentityProvider, claims: dict[str, Any]) -> Provisioned:
    """The signed-in person's user and employee, created or updated from `claims` (checked claims of the ID token).
    Raises SignInFailed naming the claim and value that cannot be mapped; writes nothing then."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise _mapping_error(provider, "sub", str(subject)[:80], _("the subject is missing or too long."))
    email = (_text(provider, claims, provider.email_claim) or "").lower()
    if "@" not in email:
        raise _mapping_error(provider, provider.email_claim, email, _("an e-mail address is needed to sign in."))
    if claims.get("email_verified") is False:
        raise _mapping_error(provider, "email_verified", "false", _("the e-mail address is not verified."))
    domain = normalise_domain(email.rsplit("@", 1)[1])
    if not provider.domains.filter(domain=domain).exists():
        raise _mapping_error(
            provider, provider.email_claim, email, _("this e-mail domain does not sign in through this provider.")
        )

    if provider.hosted_domain_required:
        hosted = claims.get("hd")
        if not isinstance(hosted, str) or not provider.domains.filter(domain=normalise_domain(hosted)).exists():
            raise _mapping_error(
                provider, "hd", str(hosted or "")[:80], _("the account is not one of your organisation's accounts.")
            )

    entity = provider.legal_entity
    entity_code = _text(provider, claims, provider.legal_entity_claim, 20)
    if entity_code is not None and entity_code != entity.code:
        other = provider.other_legal_entities.filter(code=entity_code, is_active=True).first()
        if other is None:
            raise _mapping_error(
                provider, provider.legal_entity_claim, entity_code, _("no legal entity of this provider has this code.")
            )
        entity = other

    org_unit = None
    org_unit_code = _text(provider, claims, provider.org_unit_claim, 30)
    if org_unit_code is not None:
        org_unit = OrgUnit.objects.filter(legal_entity=entity, code=org_unit_code).first()
        if org_unit is None:
            raise _mapping_error(
                provider,
                provider.org_unit_claim,
                org_unit_code,
                _("no org unit of %(entity)s has this code.") % {"entity": entity.code},
            )
    cost_centre = None
    cost_centre_code = _text(provider, claims, provider.cost_centre_claim, 30)
    if cost_centre_code is not None:
        cost_centre = CostCentre.objects.filter(legal_entity=entity, code=cost_centre_code, is_active=True).first()
        if cost_centre is None:
            raise _mapping_error(
                provider,
                provider.cost_centre_claim,
                cost_centre_code,
                _("no active cost centre of %(entity)s has this code.") % {"entity": entity.code},
            )
    manager_email = (_text(provider, claims, provider.manager_claim) or "").lower() or None
    groups = _groups(provider, claims)
    given_name = (_text(provider, claims, provider.given_name_claim) or "")[:150]
    family_name = (_text(provider, claims, provider.family_name_claim) or "")[:150]

    with transaction.atomic():
        return _apply(
            provider,
            subject=subject,
            email=email,
            given_name=given_name,
            family_name=family_name,
            entity=entity,
            org_unit=org_unit,
            cost_centre=cost_centre,
            manager_email=manager_email,
            groups=groups,
        )


def _user_for(provider: IdentityProvider, subject: str, email: str) -> tuple[Any, ExternalIdentity | None, bool]:
    user_model = get_user_model()
    link = (
        ExternalIdentity.objects.select_for_update()
        .select_related("user")
        .filter(provider=provider, subject=subject)
        .first()
    )
    if link is not None:
        return link.user, link, False
    users = list(user_model._default_manager.filter(email__iexact=email)[:2])
    if len(users) > 1:
        raise _mapping_error(
            provider, provider.email_claim, email, _("several accounts here have this e-mail address.")
        )
    if users and ExternalIdentity.objects.filter(provider=provider, user=users[0]).exists():
        raise _mapping_error(
            provider,
            "sub",
            subject,
            _("the account with this e-mail address signs in as another person of this provider."),
        )
    if users and (users[0].is_staff or users[0].is_superuser):
        # An administrator's account is never taken over by whoever a provider vouches for with its address: it keeps
        # its password and second factor (docs/identity.md).
        raise _mapping_error(
            provider,
            provider.email_claim,
            email,
            _("the account with this e-mail address is an administrator's, which signs in with its password."),
        )
    if users:
        return users[0], None, False
    if user_model._default_manager.filter(username__iexact=email).exists():
        raise _mapping_error(provider, provider.email_claim, email, _("another account here has this user name."))
    user = user_model._default_manager.create_user(username=email[:150], email=email)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user, None, True


def _apply(
    provider: IdentityProvider,
    *,
    subject: str,
    email: str,
    given_name: str,
    family_name: str,
    entity: LegalEntity,
    org_unit: OrgUnit | None,
    cost_centre: CostCentre | None,
    manager_email: str | None,
    groups: list[str] | None,
) -> Provisioned:
    user, link, created = _user_for(provider, subject, email)
    if not user.is_active:
        raise SignInFailed("user_inactive", _("Your account is deactivated here. Ask your administrator."), 403)
    changed: list[str] = []
    warnings: list[str] = []
    user_fields = {"email": email}
    if given_name or family_name:
        user_fields |= {"first_name": given_name, "last_name": family_name}
    updates = [name for name, value in user_fields.items() if getattr(user, name) != value]
    for name in updates:
        setattr(user, name, user_fields[name])
    if updates:
        user.save(update_fields=updates)
        changed += updates

    employee = Employee.objects.select_for_update().filter(user=user).first()
    new_employee = employee is None
    if employee is None:
        employee = Employee.objects.create(user=user, default_legal_entity=entity)
        changed.append("employee")
        employee.roles.add(*provider.default_roles.all())
    employee_updates: list[str] = []
    if employee.default_legal_entity_id is None or (
        provider.legal_entity_claim and employee.default_legal_entity_id != entity.pk
    ):
        employee.default_legal_entity = entity
        employee_updates.append("default_legal_entity")
    # What the claims say of the org fields: set outright on a new employee (no work of theirs to move yet), handed
    # back as `org_change` for an existing one.
    org_fields: dict[str, Any] = {}
    if org_unit is not None and employee.org_unit_id != org_unit.pk:
        org_fields["org_unit"] = org_unit
    if cost_centre is not None and employee.default_cost_centre_id != cost_centre.pk:
        org_fields["default_cost_centre"] = cost_centre
    if manager_email is not None:
        manager = Employee.objects.filter(user__email__iexact=manager_email, user__is_active=True).first()
        if manager is None:
            warnings.append(
                _("Your manager %(email)s is not known here yet: your manager was left as it was.")
                % {"email": manager_email}
            )
        elif manager.pk != employee.manager_id:
            previous = employee.manager
            employee.manager = manager
            try:
                employee.clean()
            except ValidationError:
                warnings.append(
                    _("Your manager %(email)s would make a loop in the hierarchy: your manager was left as it was.")
                    % {"email": manager_email}
                )
            else:
                org_fields["manager"] = manager
            employee.manager = previous
    org_change: dict[str, Any] = {}
    if new_employee:
        for name, value in org_fields.items():
            setattr(employee, name, value)
        employee_updates += list(org_fields)
    else:
        org_change = org_fields
    if employee_updates:
        employee.save(update_fields=employee_updates)
        changed += employee_updates
    if not employee.legal_entities.filter(pk=entity.pk).exists():
        employee.legal_entities.add(entity)
        changed.append("legal_entities")
    if groups is not None and any(roles_from_groups(provider, employee, groups).values()):
        changed.append("roles")

    if link is None:
        link = ExternalIdentity.objects.create(provider=provider, subject=subject, user=user)
    link.last_sign_in_at = timezone.now()
    link.save(update_fields=["last_sign_in_at"])
    return Provisioned(
        user=user,
        employee=employee,
        created=created or new_employee,
        changed=changed,
        warnings=warnings,
        org_change=org_change,
    )


def roles_from_groups(provider: IdentityProvider, employee: Employee, groups: list[str]) -> dict[str, list[str]]:
    """The employee's roles as the provider's group to role mappings give them for membership of `groups` (names or
    ids): a role some mapping names is held exactly when one of `groups` maps to it; roles no mapping names (given by
    hand) are left alone. Used at sign-in (the groups claim) and by SCIM (the pushed groups the person is in).
    Returns the role codes {"added": […], "removed": […]} (empty lists: nothing changed)."""
    mappings = list(provider.group_roles.values_list("group", "role_id"))
    managed = {role for _group, role in mappings}
    given = set(groups)
    wanted = {role for group, role in mappings if group in given}
    have = set(employee.roles.filter(code__in=managed).values_list("code", flat=True))
    if have - wanted:
        employee.roles.remove(*Role.objects.filter(code__in=have - wanted))
    if wanted - have:
        employee.roles.add(*Role.objects.filter(code__in=wanted - have))
    return {"added": sorted(wanted - have), "removed": sorted(have - wanted)}
