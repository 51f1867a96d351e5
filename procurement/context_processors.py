from typing import Any

from django.http import HttpRequest


def legal_entity(request: HttpRequest) -> dict[str, Any]:
    """The top bar's entity switcher needs the current entity and the user's others."""
    org = getattr(request, "org", None)
    if org is None or not request.user.is_authenticated:
        return {}
    return {
        "current_legal_entity": org.legal_entity,
        "legal_entities": org.legal_entities,
        "employee": org.employee,
        "may_read_audit": org.may_read_audit,
        "may_import_org": lambda: org.may_import_org,  # a query only for a user read without role codes
    }
