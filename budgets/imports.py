"""Budget plans from CSV or XLSX: every line checked, every bad line reported, nothing saved unless all are good.

Columns are found by their header (case and spaces ignored, English or the usual synonyms):

    legal_entity, cost_centre, period, amount            required
    currency                                             default: the legal entity's currency
    control (hard | warn | none)                         default: hard
    gl_account, unspsc, tolerance_percent, tolerance_amount

A line that names a budget already there (same entity, cost centre, GL account, UNSPSC prefix and
period) changes it; a new one creates it. Finance loads a whole plan at once, so a file with any bad
line changes nothing and lists each bad line with its number.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from procurement.models import CostCentre, LegalEntity
from procurement.money import Money, within_currency_digits
from requisitions.quick_order import QuickOrderFormatError, decode_text, is_xlsx_upload, xlsx_rows

from .models import Budget
from .plans import MAX_AMOUNT, BudgetInvalid, BudgetSpec, budget_save, budget_spec_check

MAX_ROWS = 20_000

COLUMNS = {
    "legal_entity": {"legal_entity", "entity", "company", "company_code", "legalentity"},
    "cost_centre": {"cost_centre", "cost_center", "costcentre", "costcenter", "cost_centre_code", "kostenstelle"},
    "period": {"period", "fiscal_period", "budget_period"},
    "amount": {"amount", "budget", "budget_amount", "value"},
    "currency": {"currency", "currency_code", "curr"},
    "control": {"control", "control_mode", "mode"},
    "gl_account": {"gl_account", "gl", "account", "g_l_account", "gl_code"},
    "unspsc": {"unspsc", "unspsc_prefix", "category"},
    "tolerance_percent": {"tolerance_percent", "tolerance_%", "tolerance_pct", "tolerance"},
    "tolerance_amount": {"tolerance_amount", "tolerance_value"},
}
REQUIRED = ("legal_entity", "cost_centre", "period", "amount")


class BudgetImportFormatError(ValueError):
    """The file as a whole cannot be read (not a table, no header, too large)."""


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


@dataclass
class BudgetImportResult:
    created: int = 0
    changed: int = 0
    errors: list[LineError] = field(default_factory=list)
    rows: int = 0

    @property
    def saved(self) -> bool:
        return not self.errors and self.rows > 0


def _key(text: str) -> str:
    return re.sub(r"[\s\-./]+", "_", str(text or "").strip().lower()).strip("_")


def _cells(filename: str, data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        if is_xlsx_upload(filename, data):
            with xlsx_rows(data, max_col=12) as rows:
                for number, row in enumerate(rows, start=1):
                    yield number, [_cell(value) for value in row]
            return
        text = decode_text(data)
    except QuickOrderFormatError as exc:
        raise BudgetImportFormatError(str(exc)) from exc
    sample = text[:4096]
    delimiter = max((";", ",", "\t"), key=lambda d: sample.split("\n", 1)[0].count(d))
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        yield number, [cell.strip() for cell in cells]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Excel stores every number as a float; repr keeps what was typed (1500.1 stays 1500.1).
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _decimal(text: str, name: str) -> Decimal:
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("'", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # 1500,50
    elif "," in cleaned:
        cleaned = cleaned.replace(",", "")  # 1,500.50
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise BudgetInvalid(_("%(name)s %(text)s is not a number.") % {"name": name, "text": repr(text)}) from None
    if not value.is_finite():
        raise BudgetInvalid(_("%(name)s %(text)s is not a number.") % {"name": name, "text": repr(text)})
    return value


def budgets_import(
    *, filename: str, data: bytes, entities: Iterable[LegalEntity], by: Any = None
) -> BudgetImportResult:
    """Check every line against the entities the importer may act for, then save all or nothing."""
    allowed = {entity.code.upper(): entity for entity in entities}
    result = BudgetImportResult()
    rows = _cells(filename, data)
    header: dict[str, int] = {}
    header_line = 0
    for number, cells in rows:
        if not any(cells):
            continue
        for index, cell in enumerate(cells):
            for name, synonyms in COLUMNS.items():
                if _key(cell) in synonyms and name not in header:
                    header[name] = index
        header_line = number
        break
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise BudgetImportFormatError(
            _(
                "The first line must name the columns; missing: %(missing)s. Expected: legal_entity, cost_centre, "
                "period, amount[, currency, control, gl_account, unspsc, tolerance_percent, tolerance_amount]."
            )
            % {"missing": ", ".join(missing)}
        )
    centres = {
        (centre.legal_entity.code.upper(), centre.code.upper()): centre
        for centre in CostCentre.objects.filter(legal_entity__in=allowed.values()).select_related("legal_entity")
    }
    specs: list[tuple[int, BudgetSpec]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for number, cells in rows:
        if not any(cells):
            continue
        result.rows += 1
        if result.rows > MAX_ROWS:
            raise BudgetImportFormatError(
                _("Too many lines: at most %(max_rows)s budgets per file.") % {"max_rows": f"{MAX_ROWS:,}"}
            )

        def value(name: str, cells: list[str] = cells) -> str:
            index = header.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            spec = _spec(value, allowed, centres)
            period = budget_spec_check(spec)
        except BudgetInvalid as exc:
            result.errors.append(LineError(number, exc.message))
            continue
        key = (spec.legal_entity.pk, spec.cost_centre.pk, spec.gl_account, spec.unspsc_prefix, period.start, period.end)
        if key in seen:
            result.errors.append(LineError(number, _("The same budget as line %(seen)s.") % {"seen": seen[key]}))
            continue
        seen[key] = number
        specs.append((number, spec))
    if result.rows == 0:
        raise BudgetImportFormatError(
            _("No budgets below the header on line %(header_line)s.") % {"header_line": header_line}
        )
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for number, spec in specs:
                try:
                    created = budget_save(spec=spec, by=by)[1]
                except BudgetInvalid as exc:
                    result.errors.append(LineError(number, exc.message))
                    continue
                if created:
                    result.created += 1
                else:
                    result.changed += 1
            if result.errors:
                raise _RollBack
    except _RollBack:
        result.created = result.changed = 0
    return result


class _RollBack(Exception):
    pass


def _spec(value: Any, allowed: dict[str, LegalEntity], centres: dict[tuple[str, str], CostCentre]) -> BudgetSpec:
    code = value("legal_entity").upper()
    if not code:
        raise BudgetInvalid(_("The legal entity is empty."))
    entity = allowed.get(code)
    if entity is None:
        raise BudgetInvalid(_("Legal entity %(code)s is unknown or not one you may plan for.") % {"code": code})
    centre_code = value("cost_centre").upper()
    centre = centres.get((code, centre_code))
    if centre is None:
        raise BudgetInvalid(
            _("Cost centre %(value)s is not a cost centre of %(code)s.")
            % {"value": centre_code or "(empty)", "code": code}
        )
    amount_text = value("amount")
    if not amount_text:
        raise BudgetInvalid(_("The amount is empty."))
    currency = (value("currency") or entity.currency).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise BudgetInvalid(_("Currency %(currency)s is not an ISO 4217 code.") % {"currency": repr(currency)})
    amount = _decimal(amount_text, "Amount")
    if abs(amount) >= MAX_AMOUNT:
        raise BudgetInvalid(_("The amount must be below %(max_amount)s.") % {"max_amount": f"{MAX_AMOUNT:,}"})
    if not within_currency_digits(amount, currency):
        raise BudgetInvalid(
            _("Amount %(amount_text)s has more decimals than %(currency)s has.")
            % {"amount_text": repr(amount_text), "currency": currency}
        )
    money = Money(amount, currency)
    control = (value("control") or Budget.Control.HARD).lower().replace(" ", "_")
    control = {"hard_stop": "hard", "stop": "hard", "warning": "warn", "off": "none"}.get(control, control)
    return BudgetSpec(
        legal_entity=entity,
        cost_centre=centre,
        period=value("period"),
        amount=money,
        control=control,
        gl_account=value("gl_account")[:20],
        unspsc_prefix=value("unspsc")[:8],
        tolerance_percent=_decimal(value("tolerance_percent").rstrip("%") or "0", _("Tolerance percentage")),
        tolerance_amount=_decimal(value("tolerance_amount") or "0", _("Tolerance amount")),
    )
