"""Single sign-on's just-in-time provisioning as a people change: the sign-in edges (OpenID Connect's callback, SAML's
assertion consumer) call `sso_provision`, not `provision` alone.

`identity.provisioning.provision` creates or updates the person from the claims and hands back what the claims say
of an existing employee's manager, org unit and default cost centre; those go through the people changes
(`p2p.people_changes`, source "sso") in the same transaction, so a manager the HR directory moved re-routes the
employee's open approval work by the usual rules and is audited field by field, as from the org import or SCIM."""

from typing import Any

from django.db import transaction

from p2p.people_changes import EmployeeOrgChange, employees_org_apply
from procurement.people import PeopleChangeInvalid

from .models import IdentityProvider
from .provisioning import Provisioned, provision


def sso_provision(provider: IdentityProvider, claims: dict[str, Any]) -> Provisioned:
    """`provision`, then the existing employee's org changes applied as a people change; raises what `provision`
    raises (SignInFailed) and writes nothing then."""
    with transaction.atomic():
        provisioned = provision(provider, claims)
        if provisioned.org_change:
            try:
                employees_org_apply(
                    changes=[EmployeeOrgChange(employee=provisioned.employee, **provisioned.org_change)],
                    by=None,
                    source="sso",
                )
            except PeopleChangeInvalid as refused:
                # provision() already left out a manager that would loop; anything else the people changes refuse
                # keeps the employee as they were, and the person is told, as for an unknown manager.
                provisioned.warnings.append(str(refused.message))
            else:
                provisioned.changed += list(provisioned.org_change)
    return provisioned
