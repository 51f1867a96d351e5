"""The cells of an organisation file read and checked one by one (identity.org_import.plan checks the rows
against each other and the database)."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from procurement.models import LegalEntity, Role
from procurement.money import currency_digits, is_currency, within_currency_digits

from .columns import (
    CLEAR,
    COLUMNS,
    COST_CENTRE,
    COST_CENTRE_NAME,
    EMAIL,
    EMPLOYEE_NUMBER,
    FIRST_NAME,
    LAST_NAME,
    LEGAL_ENTITY,
    MANAGER_EMAIL,
    MAX_CELL,
    ORG_UNIT,
    ORG_UNIT_NAME,
    ORG_UNIT_PARENT,
    ROLES,
    SIGNING_LIMIT,
    SIGNING_LIMIT_CURRENCY,
    STATUS,
    STATUS_ACTIVE,
    STATUS_LEAVER,
)
from .files import OrgFileRow

# Signing limits stay well inside a BIGINT of minor units whatever the currency (as budget amounts do).
MAX_SIGNING_LIMIT = Decimal(10) ** 13
EMAIL_PATTERN = re.compile(r"^[^@\s,;<>\"]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,63}$")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")


@dataclass(frozen=True)
class LineError:
    line: int
    column: str
    value: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class CheckedRow:
    line: int
    email: str
    values: dict[str, Any]  # column → parsed value; None: cleared with "-"; a blank cell is absent


def _decimal(text: str) -> Decimal | None:
    """An amount as people type it: 25000, 25000.50, 25 000,50, 25,000.50, 25'000.50."""
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", "")
    if not re.fullmatch(r"-?\d{1,20}(\.\d{1,10})?", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


class CellChecker:
    def __init__(self, *, legal_entity: LegalEntity, mode: str, by: Any) -> None:
        self.entity = legal_entity
        self.mode = mode
        self.by = by
        self.errors: list[LineError] = []
        self.role_codes = set(Role.objects.values_list("code", flat=True))

    def error(self, line: int, column: str, value: str, message: str) -> None:
        self.errors.append(LineError(line=line, column=column, value=value[:200], message=message))

    # -- cells ----------------------------------------------------------------------------------------------------

    def row(self, raw: OrgFileRow) -> CheckedRow | None:
        line, cells = raw.line, raw.cells
        values: dict[str, Any] = {}
        for column, text in cells.items():
            if not text:
                continue
            limit = COLUMNS[column]
            if len(text) > min(limit, MAX_CELL):
                self.error(line, column, text, _("Too long: at most %(max)d characters.") % {"max": limit})
                continue
            try:
                values[column] = self.cell(column, text)
            except ValueError as problem:
                self.error(line, column, text, str(problem))
        email = values.get(EMAIL)
        if not email:
            if not cells.get(EMAIL):
                self.error(line, EMAIL, "", _("Each row needs the person's e-mail address."))
            return None
        if SIGNING_LIMIT_CURRENCY in values and SIGNING_LIMIT not in values:
            self.error(
                line,
                SIGNING_LIMIT_CURRENCY,
                cells[SIGNING_LIMIT_CURRENCY],
                _("A currency needs a signing_limit on the same row."),
            )
        if isinstance(values.get(SIGNING_LIMIT), Decimal):
            currency = values.get(SIGNING_LIMIT_CURRENCY) or self.entity.currency
            if not within_currency_digits(values[SIGNING_LIMIT], currency):
                self.error(
                    line,
                    SIGNING_LIMIT,
                    cells[SIGNING_LIMIT],
                    _("%(currency)s amounts have at most %(digits)d decimals.")
                    % {"currency": currency, "digits": currency_digits(currency)},
                )
        for dependent in (ORG_UNIT_NAME, ORG_UNIT_PARENT):
            if dependent in values and ORG_UNIT not in values:
                self.error(line, dependent, cells[dependent], _("Give the org_unit code this applies to."))
        if COST_CENTRE_NAME in values and COST_CENTRE not in values:
            self.error(line, COST_CENTRE_NAME, cells[COST_CENTRE_NAME], _("Give the cost_centre code this applies to."))
        # A row with a bad cell is still checked with its good ones (every problem is reported at once).
        return CheckedRow(line=line, email=str(email), values=values)

    def cell(self, column: str, text: str) -> Any:
        cleared = text == CLEAR
        if column == EMAIL:
            if not EMAIL_PATTERN.match(text):
                raise ValueError(_("Not an e-mail address."))
            return text.lower()
        if column == MANAGER_EMAIL:
            if cleared:
                return None
            if not EMAIL_PATTERN.match(text):
                raise ValueError(_("Not an e-mail address (or - for no manager)."))
            return text.lower()
        if column == EMPLOYEE_NUMBER:
            if not NUMBER_PATTERN.match(text):
                raise ValueError(_("An employee number: letters, digits and _ . - /"))
            return text
        if column in (FIRST_NAME, LAST_NAME):
            if any(ord(char) < 32 for char in text):
                raise ValueError(_("A name cannot hold control characters."))
            return "" if cleared else text
        if column in (ORG_UNIT_NAME, COST_CENTRE_NAME):
            if cleared:
                raise ValueError(_("A name cannot be cleared: leave the cell blank to keep it."))
            if any(ord(char) < 32 for char in text):
                raise ValueError(_("A name cannot hold control characters."))
            return text
        if column == LEGAL_ENTITY:
            if text.upper() != self.entity.code.upper():
                raise ValueError(
                    _("This import is for %(entity)s: load this person in an import of their own legal entity.")
                    % {"entity": self.entity.code}
                )
            return self.entity.code
        if column in (ORG_UNIT, COST_CENTRE, ORG_UNIT_PARENT):
            if cleared:
                return None
            if not CODE_PATTERN.match(text):
                raise ValueError(_("A code: letters, digits and _ . - / (or - to clear)."))
            return text
        if column == SIGNING_LIMIT:
            if cleared:
                return None
            amount = _decimal(text)
            if amount is None:
                raise ValueError(_("Not an amount: write it as 25000 or 25000.50 (or - for no limit)."))
            if amount < 0:
                raise ValueError(_("A signing limit cannot be negative."))
            if amount >= MAX_SIGNING_LIMIT:
                raise ValueError(_("A signing limit must be below %(max)s.") % {"max": f"{MAX_SIGNING_LIMIT:,}"})
            return amount
        if column == SIGNING_LIMIT_CURRENCY:
            code = text.upper()
            if not is_currency(code):
                raise ValueError(_("Not an ISO 4217 currency code (EUR, SEK, USD …)."))
            return code
        if column == ROLES:
            if cleared:
                return frozenset()
            codes = frozenset(code.strip().lower() for code in re.split(r"[,;|]", text) if code.strip())
            unknown = sorted(codes - self.role_codes)
            if unknown:
                raise ValueError(
                    _("Unknown roles: %(unknown)s. The roles are: %(known)s.")
                    % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(self.role_codes))}
                )
            return codes
        if column == STATUS:
            status = text.lower()
            if status not in (STATUS_ACTIVE, STATUS_LEAVER):
                raise ValueError(_("The status is active or leaver."))
            return status
        raise ValueError(_("Unknown column."))  # pragma: no cover - files.py refuses unknown headers
