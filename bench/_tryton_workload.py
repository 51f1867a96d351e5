"""Tryton's side of bench/peer_tryton.py. Runs inside the scratch virtualenv (trytond, proteus and
trytond_purchase_requisition 8.2), never in the project's: it imports nothing of ours and no Django.

    python _tryton_workload.py --work DIR [--suppliers 3] [--lines 5]

On start it makes a SQLite database DIR/db/peer.sqlite from a cached template (built the first time: modules
activated with trytond-admin, then a company, a chart of accounts, a product, the suppliers, an employee, all through
proteus), prints one JSON line {"ready": ...} on stdout, then answers commands read one a line on stdin, each with
one JSON line:

- ``run``: one requisition of LINES lines (round-robin over the suppliers) → wait → approve (Tryton's only approval)
  → the "create purchase" wizard on its purchase requests → the purchases quoted and confirmed; answers
  {"seconds": wall-clock s, "cpu_seconds": this process's CPU s, "purchases": n};
- ``count``: the same, counting the SQL statements sent to SQLite (transaction control excluded), untimed;
- ``rows``: rows per table of the documents made; ``quit``.

Everything goes through proteus' trytond backend, Tryton's own client API, in this process (no network). The
template is not built in Tryton's test mode (trytond.tests is never imported), so validation runs as in
production. The file name starts with "_" so `make bench` does not run it as a benchmark.
"""

# ruff: noqa: N806  (proteus models are classes and named as Tryton's own scenarios name them)

import argparse
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

TEMPLATE_VERSION = "1"  # bump when the set-up below changes: the cached template is rebuilt
DATABASE = "peer"


def write_config(work: Path) -> Path:
    (work / "db").mkdir(parents=True, exist_ok=True)
    conf = work / "trytond.conf"
    conf.write_text(f"[database]\nuri = sqlite://\npath = {work / 'db'}\n\n[session]\nauthentications = password\n")
    return conf


def build_template(work: Path, conf: Path, template: Path, suppliers: int) -> None:
    """A database with purchase_requisition activated and the master data, copied to `template`."""
    db_file = work / "db" / f"{DATABASE}.sqlite"
    for stale in work.glob(f"db/{DATABASE}.sqlite*"):
        stale.unlink()
    modules = work / f"modules-v{TEMPLATE_VERSION}.sqlite"  # stage one, cached: the modules activated
    if modules.exists():
        shutil.copyfile(modules, db_file)
    else:
        sqlite3.connect(db_file).close()
        passfile = work / "admin-password"
        passfile.write_text("admin\n")
        admin = Path(sys.executable).with_name("trytond-admin")
        env = dict(os.environ, TRYTONPASSFILE=str(passfile))
        for arguments in (["--all"], ["-u", "purchase_requisition", "--activate-dependencies"]):
            subprocess.run(  # noqa: S603
                [str(admin), "-c", str(conf), "-d", DATABASE, *arguments],
                check=True,
                env=env,
                input="\n",  # the administrator's e-mail, asked when the database is made: none
                text=True,
                stdout=sys.stderr,
            )
        checkpoint_copy(db_file, modules)

    from proteus import Model, Wizard
    from proteus import config as pconfig

    config = pconfig.set_trytond(database=DATABASE, config_file=str(conf))
    Party = Model.get("party.party")
    Currency = Model.get("currency.currency")
    User = Model.get("res.user")

    eur = Currency(name="Euro", symbol="€", code="EUR", rounding=Decimal("0.01"))
    eur.save()
    company_config = Wizard("company.company.config")
    company_config.execute("company")
    company_party = Party(name="ACME France")
    company_party.save()
    company_config.form.party = company_party
    company_config.form.currency = eur
    company_config.execute("add")
    config._context = User.get_preferences(True, {})
    Company = Model.get("company.company")
    (company,) = Company.find()

    ModelData = Model.get("ir.model.data")
    AccountTemplate = Model.get("account.account.template")
    Account = Model.get("account.account")
    chart = Wizard("account.create_chart")
    chart.execute("account")
    chart.form.account_template = AccountTemplate(ModelData.get_id("account.account_template_root_en", config.context))
    chart.form.company = company
    chart.execute("create_account")

    def account(kind: str):
        (found,) = Account.find(
            [(f"type.{kind}", "=", True), ("company", "=", company.id), ("closed", "!=", True)], limit=1
        )
        return found

    # As Tryton's own scenarios do (account.tests.tools.create_chart).
    payable, receivable, expense, revenue = (account(k) for k in ("payable", "receivable", "expense", "revenue"))
    if payable.party_required:
        chart.form.account_payable = payable
    if receivable.party_required:
        chart.form.account_receivable = receivable
    if hasattr(chart.form, "category_account_expense"):
        chart.form.category_account_expense = expense
    if hasattr(chart.form, "category_account_revenue"):
        chart.form.category_account_revenue = revenue
    chart.execute("create_properties")

    ProductCategory = Model.get("product.category")
    category = ProductCategory(name="Office supplies", accounting=True, account_expense=expense)
    category.save()
    (unit,) = Model.get("product.uom").find([("name", "=", "Unit")])
    ProductTemplate = Model.get("product.template")
    product_template = ProductTemplate(
        name="Part", default_uom=unit, type="goods", purchasable=True, list_price=Decimal("1500")
    )
    product_template.account_category = category
    product_template.save()

    for n in range(suppliers):
        Party(name=f"BENCH{n}").save()
    Employee = Model.get("company.employee")
    alice = Party(name="Alice")
    alice.save()
    Employee(party=alice, company=company).save()

    from trytond import backend

    backend.Database(DATABASE).close()
    checkpoint_copy(db_file, template)


def checkpoint_copy(db_file: Path, target: Path) -> None:
    """Copy a closed SQLite database (WAL mode keeps pages in the -wal file until a checkpoint)."""
    conn = sqlite3.connect(db_file)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copyfile(db_file, target.with_suffix(".tmp"))
    target.with_suffix(".tmp").replace(target)


class Workload:
    def __init__(self, conf: Path, suppliers: int, lines: int) -> None:
        from proteus import Model
        from proteus import config as pconfig

        self.config = pconfig.set_trytond(database=DATABASE, config_file=str(conf))
        User = Model.get("res.user")
        self.config._context = User.get_preferences(True, {})
        self.Requisition = Model.get("purchase.requisition")
        self.Request = Model.get("purchase.request")
        self.Purchase = Model.get("purchase.purchase")
        self.employee = Model.get("company.employee").find([])[0]
        (self.product,) = Model.get("product.product").find([("name", "=", "Part")])
        self.suppliers = Model.get("party.party").find([("name", "like", "BENCH%")], order=[("name", "ASC")])
        assert len(self.suppliers) >= suppliers, "template built with fewer suppliers: delete it"
        self.suppliers = self.suppliers[:suppliers]
        (self.warehouse,) = Model.get("stock.location").find([("code", "=", "WH")])
        self.lines = lines
        self.made = 0

    def one(self) -> int:
        """One requisition to confirmed purchases; returns the number of purchases made."""
        from proteus import Wizard

        self.made += 1
        requisition = self.Requisition()
        requisition.description = f"bench {self.made}"
        requisition.employee = self.employee
        requisition.supply_date = dt.date.today()
        requisition.warehouse = self.warehouse
        for n in range(self.lines):
            line = requisition.lines.new()
            line.product = self.product
            line.description = f"Part {n}"
            line.quantity = 1.0
            line.supplier = self.suppliers[n % len(self.suppliers)]
            line.unit_price = Decimal("1100")
        requisition.click("wait")
        requisition.click("approve")
        requests = self.Request.find([("state", "=", "draft")])
        assert len(requests) == self.lines, requests
        Wizard("purchase.request.create_purchase", requests)
        purchases = self.Purchase.find([("state", "=", "draft")])
        assert len(purchases) == len(self.suppliers), purchases
        self.Purchase.click(purchases, "quote")
        self.Purchase.click(purchases, "confirm")
        return len(purchases)

    def count(self) -> tuple[int, int]:
        """One requisition, untimed, counting the statements SQLite runs (BEGIN/COMMIT/ROLLBACK left out)."""
        from trytond import backend

        statements = 0

        def trace(sql: str) -> None:
            nonlocal statements
            head = sql.lstrip()[:8].upper()
            if not head.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                statements += 1

        # Tryton's SQLite backend opens a connection per transaction: trace each one opened during the run.
        Database = backend.Database
        connect = Database.connect

        def traced(database):
            fresh = database._conn is None
            connected = connect(database)
            if fresh:
                database._conn.set_trace_callback(trace)
            return connected

        Database.connect = traced
        try:
            purchases = self.one()
        finally:
            Database.connect = connect
        return purchases, statements

    def rows(self) -> dict[str, int]:
        from trytond import backend

        database = backend.Database(DATABASE)
        database.connect()
        tables = (
            "purchase_requisition",
            "purchase_requisition_line",
            "purchase_request",
            "purchase_purchase",
            "purchase_line",
            "stock_move",
            "account_invoice",
            "account_invoice_line",
        )
        return {
            table: database._conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {
        name: version(name) for name in ("trytond", "proteus", "trytond_purchase_requisition", "trytond_purchase")
    } | {"sqlite": sqlite3.sqlite_version, "python": sys.version.split()[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--suppliers", type=int, default=3)
    parser.add_argument("--lines", type=int, default=5)
    options = parser.parse_args()
    # The protocol owns the real stdout; anything Tryton prints goes to stderr.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)

    work: Path = options.work.resolve()
    conf = write_config(work)
    template = work / f"template-v{TEMPLATE_VERSION}-s{options.suppliers}.sqlite"
    started = time.perf_counter()
    built = not template.exists()
    if built:
        build_template(work, conf, template, options.suppliers)
    for stale in work.glob(f"db/{DATABASE}.sqlite*"):
        stale.unlink()
    shutil.copyfile(template, work / "db" / f"{DATABASE}.sqlite")
    workload = Workload(conf, options.suppliers, options.lines)
    ready = {
        "ready": True,
        "template_built": built,
        "setup_seconds": round(time.perf_counter() - started, 1),
        "versions": versions(),
    }
    protocol.write(json.dumps(ready) + "\n")

    for command in sys.stdin:
        command = command.strip()
        if command == "run":
            start, cpu = time.perf_counter(), time.process_time()
            purchases = workload.one()
            answer: dict[str, object] = {
                "seconds": time.perf_counter() - start,
                "cpu_seconds": time.process_time() - cpu,
                "purchases": purchases,
            }
        elif command == "count":
            purchases, statements = workload.count()
            answer = {"statements": statements, "purchases": purchases}
        elif command == "rows":
            answer = {"rows": workload.rows()}
        elif command == "quit":
            break
        else:
            answer = {"error": f"unknown command {command!r}"}
        protocol.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
