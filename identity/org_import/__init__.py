"""The organisation import: employees, managers, org units, cost centres and signing limits from a CSV or XLSX
file, checked line by line, shown as a diff, applied in one transaction by p2p.org_import_apply (docs/identity.md,
"Organisation import").

    columns   the columns, their limits, the clear marker
    files     CSV / XLSX → numbered rows of cells (bounded; a bad file is refused as a whole)
    plan      rows → per-line errors, or the plan: org units, cost centres, people to create / change / let go
    runs      the stored runs (draft → applied | failed) and who may import
    template  the downloadable template (CSV and XLSX)
"""
