"""The downloadable template: the header row and two example rows, as CSV (UTF-8 with BOM, so Excel opens it
as UTF-8) or XLSX."""

import csv
import io

from openpyxl import Workbook

from procurement.models import LegalEntity

from .columns import COLUMNS


def template_rows(legal_entity: LegalEntity) -> list[list[str]]:
    code, currency = legal_entity.code, legal_entity.currency
    examples = [
        {
            "email": "maria.manager@example.com",
            "employee_number": "1001",
            "first_name": "Maria",
            "last_name": "Manager",
            "legal_entity": code,
            "org_unit": "ENG",
            "org_unit_name": "Engineering",
            "org_unit_parent": "-",
            "cost_centre": "ENG-100",
            "cost_centre_name": "Engineering",
            "signing_limit": "25000.00",
            "signing_limit_currency": currency,
            "roles": "requester,approver",
            "status": "active",
        },
        {
            "email": "eric.engineer@example.com",
            "employee_number": "1002",
            "first_name": "Eric",
            "last_name": "Engineer",
            "legal_entity": code,
            "org_unit": "ENG",
            "manager_email": "maria.manager@example.com",
            "cost_centre": "ENG-100",
            "signing_limit": "0",
            "signing_limit_currency": currency,
            "roles": "requester",
            "status": "active",
        },
    ]
    return [list(COLUMNS), *[[example.get(column, "") for column in COLUMNS] for example in examples]]


def template_csv(legal_entity: LegalEntity) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(template_rows(legal_entity))
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def template_xlsx(legal_entity: LegalEntity) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Organisation"
    for row in template_rows(legal_entity):
        sheet.append(row)
    for index, column in enumerate(COLUMNS):
        sheet.column_dimensions[sheet.cell(row=1, column=index + 1).column_letter].width = max(14, len(column) + 2)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
