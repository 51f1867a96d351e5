"""Which legal entity the browser user is acting for: chosen in the top bar, kept in the session."""

from collections.abc import Callable
from functools import cached_property

from django.http import HttpRequest, HttpResponse

from .models import Employee, LegalEntity, Role
from .selectors import employee_for_user, legal_entities_for_employee

SESSION_KEY = "legal_entity"


class OrgContext:
    """Resolved lazily, so requests that never look pay no query."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def employee(self) -> Employee | None:
        return employee_for_user(user=self._request.user)

    @property
    def may_read_audit(self) -> bool:
        """Whether the menu shows the audit log (the page checks again): known without a query of its own, from
        what the session's user was read with (procurement.auth_backends)."""
        if getattr(self._request.user, "is_superuser", False):
            return True
        return bool(getattr(self.employee, "may_read_audit", False))

    @property
    def may_import_org(self) -> bool:
        """Whether the menu shows the organisation import (its page checks again, per entity): superusers and
        administrators, known from the role codes the session's user was read with (procurement.auth_backends); a
        user read otherwise is asked once, where the menu renders."""
        user = self._request.user
        if getattr(user, "is_superuser", False):
            return True
        if hasattr(user, "role_codes"):
            return Role.ADMIN in (user.role_codes or "").split(",")
        return self.employee is not None and self.employee.roles.filter(code=Role.ADMIN).exists()

    @cached_property
    def legal_entities(self) -> list[LegalEntity]:
        return list(legal_entities_for_employee(employee=self.employee))

    @cached_property
    def legal_entity(self) -> LegalEntity | None:
        """The chosen entity if the user is (still) a member, else their default, else their first."""
        entities = {entity.code: entity for entity in self.legal_entities}
        chosen = self._request.session.get(SESSION_KEY)
        if chosen in entities:
            return entities[chosen]
        employee = self.employee
        if employee is not None and employee.default_legal_entity_id:
            for entity in self.legal_entities:
                if entity.pk == employee.default_legal_entity_id:
                    return entity
        return self.legal_entities[0] if self.legal_entities else None

    def choose(self, code: str) -> LegalEntity | None:
        """Switch to the entity with this code; None (and no change) when the user is not a member."""
        for entity in self.legal_entities:
            if entity.code == code:
                self._request.session[SESSION_KEY] = code
                self.__dict__["legal_entity"] = entity
                return entity
        return None


class LegalEntityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.org = OrgContext(request)  # type: ignore[attr-defined]
        return self.get_response(request)
