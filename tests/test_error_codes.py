"""Every `code` the API can answer is a member of its app's error-code enum (the codes are a contract)."""

import ast
import importlib
import pkgutil
from enum import StrEnum
from pathlib import Path

import pytest
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer

from analytics.error_codes import AnalyticsErrorCode
from approvals.error_codes import ApprovalErrorCode
from budgets.error_codes import BudgetErrorCode
from catalogs.error_codes import CatalogErrorCode
from contracts.error_codes import ContractErrorCode
from invoices.error_codes import InvoiceErrorCode
from notifications.error_codes import NotificationErrorCode
from orders.error_codes import OrderErrorCode
from procurement.api_errors import exception_handler
from procurement.error_codes import ProcurementErrorCode
from procurement.errors import ProcurementError
from punchout.error_codes import PunchoutErrorCode
from receiving.error_codes import ReceivingErrorCode
from requisitions.error_codes import RequisitionErrorCode
from requisitions.errors import RequisitionNotEditable
from sourcing.error_codes import SourcingErrorCode

ENUMS: dict[str, type[StrEnum]] = {
    "procurement": ProcurementErrorCode,
    "punchout": PunchoutErrorCode,
    "requisitions": RequisitionErrorCode,
    "approvals": ApprovalErrorCode,
    "budgets": BudgetErrorCode,
    "orders": OrderErrorCode,
    "receiving": ReceivingErrorCode,
    "invoices": InvoiceErrorCode,
    "notifications": NotificationErrorCode,
    "catalogs": CatalogErrorCode,
    "contracts": ContractErrorCode,
    "analytics": AnalyticsErrorCode,
    "sourcing": SourcingErrorCode,
}
ROOT = Path(__file__).resolve().parent.parent
# Not loaded here: migrations, settings and server entry points; the pure protocol codecs answer no API code.
SKIPPED_PARTS = {"migrations", "settings", "asgi", "wsgi", "cxml", "oci", "xmlsafe", "management"}


def app_modules(app: str) -> list[str]:
    package = importlib.import_module(app)
    names = [app]
    for module in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
        if not SKIPPED_PARTS & set(module.name.split(".")):
            names.append(module.name)
    return names


def app_files(app: str) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / app).rglob("*.py"))
        if not SKIPPED_PARTS & {part.removesuffix(".py") for part in path.relative_to(ROOT).parts}
    ]


def subclasses(cls: type) -> set[type]:
    found: set[type] = set(cls.__subclasses__())
    return found.union(*(subclasses(sub) for sub in found)) if found else found


def literal_codes(node: ast.expr) -> list[str] | None:
    """The strings a `code=` argument can be, or None when it is computed (e.g. passed on from another error)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = literal_codes(node.body), literal_codes(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


@pytest.mark.parametrize("app", ENUMS)
def test_every_error_class_of_an_app_carries_a_code_of_its_enum(app: str) -> None:
    """Given every module of the app loaded, when its error classes are listed, then each one's code is a member."""
    for name in app_modules(app):
        importlib.import_module(name)
    errors = [cls for cls in subclasses(ProcurementError) | {ProcurementError} if cls.__module__.split(".")[0] == app]
    api_exceptions = [cls for cls in subclasses(exceptions.APIException) if cls.__module__.split(".")[0] == app]

    assert errors, f"{app} defines no error class"
    assert {cls.__qualname__: cls.code for cls in errors if cls.code not in ENUMS[app]} == {}
    assert {cls.__qualname__: cls.default_code for cls in api_exceptions if cls.default_code not in ENUMS[app]} == {}


@pytest.mark.parametrize("app", ENUMS)
def test_every_code_raised_in_an_app_is_a_member_of_its_enum(app: str) -> None:
    """Given the app's source, when an error is raised with `code=...`, then the code is one of the app's enum."""
    strays: list[str] = []
    other_enums: list[str] = []
    for path in app_files(app):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id[:1].isupper()):
                continue
            for keyword in node.keywords:
                if keyword.arg != "code":
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                value = keyword.value
                if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
                    if value.value.id.endswith("ErrorCode") and value.value.id != ENUMS[app].__name__:
                        other_enums.append(f"{where} {value.value.id}")
                    continue
                strays += [f"{where} {code!r}" for code in literal_codes(value) or [] if code not in ENUMS[app]]

    assert strays == []
    assert other_enums == []


def test_the_common_api_answers_are_core_codes() -> None:
    """The exception handler answers DRF's own errors with their default codes: each is a core code."""
    drf_codes = {cls.default_code for cls in subclasses(exceptions.APIException) if cls.__module__.startswith("rest_")}

    assert drf_codes - set(ProcurementErrorCode) == set()


def test_an_enum_member_answers_as_its_plain_text() -> None:
    """A code from an enum reaches the JSON answer as the same text integrators have always seen."""
    response = exception_handler(RequisitionNotEditable("RQ-1 was submitted; it cannot change."), {})

    assert response is not None
    assert response.status_code == 409
    assert JSONRenderer().render(response.data) == (
        b'{"code":"not_editable","message":"RQ-1 was submitted; it cannot change."}'
    )
