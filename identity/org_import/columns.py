"""The columns of an organisation file, their limits and the two markers people type (docs/identity.md).

Headers are matched without regard to case, spaces or dashes ("Manager E-mail" is `manager_email`); their order
is free. A blank cell leaves the value as it is; CLEAR (a single `-`) empties it (no manager, no org unit, no
default cost centre, no roles, no parent unit, and for signing_limit: no limit).
"""

import re

EMAIL = "email"
EMPLOYEE_NUMBER = "employee_number"
FIRST_NAME = "first_name"
LAST_NAME = "last_name"
LEGAL_ENTITY = "legal_entity"
ORG_UNIT = "org_unit"
ORG_UNIT_NAME = "org_unit_name"
ORG_UNIT_PARENT = "org_unit_parent"
MANAGER_EMAIL = "manager_email"
COST_CENTRE = "cost_centre"
COST_CENTRE_NAME = "cost_centre_name"
SIGNING_LIMIT = "signing_limit"
SIGNING_LIMIT_CURRENCY = "signing_limit_currency"
ROLES = "roles"
STATUS = "status"

# In the template's order; the longest text each may hold (the database's lengths).
COLUMNS: dict[str, int] = {
    EMAIL: 150,  # the user name is the e-mail: Django user names hold 150 characters
    EMPLOYEE_NUMBER: 50,
    FIRST_NAME: 150,
    LAST_NAME: 150,
    LEGAL_ENTITY: 20,
    ORG_UNIT: 30,
    ORG_UNIT_NAME: 200,
    ORG_UNIT_PARENT: 30,
    MANAGER_EMAIL: 254,
    COST_CENTRE: 30,
    COST_CENTRE_NAME: 200,
    SIGNING_LIMIT: 30,
    SIGNING_LIMIT_CURRENCY: 3,
    ROLES: 200,
    STATUS: 10,
}
# Other spellings of a header that HR exports use.
ALIASES: dict[str, str] = {
    "e_mail": EMAIL,
    "mail": EMAIL,
    "email_address": EMAIL,
    "personnel_number": EMPLOYEE_NUMBER,
    "employee_id": EMPLOYEE_NUMBER,
    "given_name": FIRST_NAME,
    "firstname": FIRST_NAME,
    "family_name": LAST_NAME,
    "surname": LAST_NAME,
    "lastname": LAST_NAME,
    "company_code": LEGAL_ENTITY,
    "entity": LEGAL_ENTITY,
    "department": ORG_UNIT,
    "manager": MANAGER_EMAIL,
    "manager_e_mail": MANAGER_EMAIL,
    "cost_center": COST_CENTRE,
    "cost_center_name": COST_CENTRE_NAME,
    "approval_limit": SIGNING_LIMIT,
    "currency": SIGNING_LIMIT_CURRENCY,
}
CLEAR = "-"
STATUS_ACTIVE = "active"
STATUS_LEAVER = "leaver"

MAX_ROWS = 20_000
MAX_FILE_BYTES = 10 * 1024 * 1024
# A small .xlsx can unzip to gigabytes: the sizes its directory declares are checked before anything is inflated.
MAX_XLSX_UNPACKED_BYTES = 10 * MAX_FILE_BYTES
MAX_COLUMNS = 60  # cells beyond this many on a row are not read
MAX_CELL = 1000  # longer cells are refused before their column's own limit is checked


def header_key(text: object) -> str:
    """A header as its column name: case, spaces, dashes and dots ignored."""
    key = re.sub(r"[\s\-./]+", "_", str(text or "").strip().lower()).strip("_")
    return ALIASES.get(key, key)
