"""Applying an organisation import: exactly what the diff said, in one transaction, audited, and re-runnable."""

import pytest

from identity.models import OrgImportRun
from identity.org_import.runs import org_import_run_create
from p2p import org_import_apply as apply_module
from p2p.org_import_apply import OrgImportChanged, OrgImportFailed, OrgImportRefused, org_import_apply
from procurement.models import AuditEvent, CostCentre, Employee, OrgUnit
from tests.approvals.helpers import open_tasks, submitted
from tests.factories import OrgUnitFactory

from .conftest import csv_file

pytestmark = pytest.mark.django_db

SAMPLE = csv_file(
    "email,first_name,last_name,org_unit,org_unit_name,org_unit_parent,manager_email,cost_centre,cost_centre_name,"
    "signing_limit,signing_limit_currency,roles,status",
    "alice@acme.example,,,,,,carol@acme.example,,,500,,,",
    "nina@acme.example,Nina,Ng,FR-LAB,Laboratory,FR,bob@acme.example,FR-LAB,Lab,0,EUR,requester,active",
    'bob@acme.example,Bob,Dubois,,,,carol@acme.example,FR-ENG,,1000.00,EUR,"approver,requester",active',
)


def upload(acme, admin, data: bytes, mode: str = "partial") -> OrgImportRun:
    return org_import_run_create(legal_entity=acme.france, file_name="org.csv", data=data, mode=mode, by=admin.user)


def apply(acme, admin, run: OrgImportRun, **kwargs):
    return org_import_apply(run_id=run.pk, legal_entity=acme.france, by=admin.user, **kwargs)


def test_apply_creates_and_changes_exactly_what_the_diff_says_and_a_second_run_changes_nothing(acme, admin):
    OrgUnitFactory(legal_entity=acme.france, code="FR", name="Acme France")
    run = upload(acme, admin, SAMPLE)
    applied = apply(acme, admin, run)
    assert applied.result == {
        "org_units_created": 1,
        "org_units_updated": 0,
        "cost_centres_created": 1,
        "cost_centres_updated": 0,
        "created": 1,
        "updated": 1,
        "leavers": 0,
        "unchanged": 1,
        "changed_employees": 2,
        "rerouted_tasks": 0,
        "reassigned_tasks": 0,
        "delegations_ended": 0,
    }
    run.refresh_from_db()
    assert run.status == OrgImportRun.Status.APPLIED
    alice = Employee.objects.get(user__username="alice")
    assert (alice.manager.user.username, alice.signing_limit_minor, alice.signing_limit_currency) == (
        "carol",
        500_00,
        "EUR",
    )
    nina = Employee.objects.select_related("user", "org_unit", "default_cost_centre", "manager__user").get(
        user__email="nina@acme.example"
    )
    lab = OrgUnit.objects.get(legal_entity=acme.france, code="FR-LAB")
    assert (lab.name, lab.parent.code) == ("Laboratory", "FR")
    centre = CostCentre.objects.get(legal_entity=acme.france, code="FR-LAB")
    assert (centre.name, centre.org_unit) == ("Lab", lab)
    assert (
        nina.user.username,
        nina.user.first_name,
        nina.user.last_name,
        nina.user.has_usable_password(),
        nina.manager.user.username,
        nina.org_unit,
        nina.default_cost_centre,
        nina.signing_limit_minor,
        nina.default_legal_entity,
        list(nina.legal_entities.all()),
        list(nina.roles.values_list("code", flat=True)),
    ) == ("nina@acme.example", "Nina", "Ng", False, "bob", lab, centre, 0, acme.france, [acme.france], ["requester"])
    events = list(
        AuditEvent.objects.filter(event_type__startswith="org").order_by("id").values_list("event_type", flat=True)
    )
    assert events == [
        "org_import.uploaded",
        "org_unit.created",
        "organisation.employee.changed",
        "organisation.employee.changed",
        "org_import.applied",
    ]

    # The same file again: an empty diff, and applying it changes nothing
    again = upload(acme, admin, SAMPLE)
    assert again.diff["counts"] == {
        "org_units_created": 0,
        "org_units_updated": 0,
        "cost_centres_created": 0,
        "cost_centres_updated": 0,
        "created": 0,
        "updated": 0,
        "leavers": 0,
        "unchanged": 3,
    }
    events_before = AuditEvent.objects.count()
    assert apply(acme, admin, again).result["changed_employees"] == 0
    assert AuditEvent.objects.count() == events_before + 1  # only the run's own event
    # And a run cannot be applied twice
    with pytest.raises(OrgImportRefused) as refused:
        apply(acme, admin, again)
    assert refused.value.code == "org_import_already_applied"


def test_an_import_that_moves_a_manager_reroutes_the_pending_approval_task(acme, admin):
    # Given alice's requisition of 500 EUR waiting for her manager bob
    requisition = submitted("500.00")
    assert open_tasks(requisition) == {"bob": open_tasks(requisition)["bob"]}
    # When an import makes erin alice's manager
    run = upload(acme, admin, csv_file("email,manager_email", "alice@acme.example,erin@acme.example"))
    applied = apply(acme, admin, run)
    # Then the task waits for erin, not bob
    assert list(open_tasks(requisition)) == ["erin"]
    assert applied.result["rerouted_tasks"] == 1


def test_a_leaver_of_the_full_mode_is_deactivated_and_their_task_goes_to_their_manager(acme, admin):
    requisition = submitted("500.00")  # waits for bob
    rows = ["email"] + [f"{name}@acme.example" for name in ("alice", "carol", "dave", "erin", "frank")]
    run = upload(acme, admin, csv_file(*rows), mode="full")
    assert [(p["action"], p["email"]) for p in run.diff["employees"]] == [("leaver", "bob@acme.example")]
    with pytest.raises(OrgImportRefused) as refused:
        apply(acme, admin, run)
    assert refused.value.code == "org_import_leavers_not_confirmed"
    applied = apply(acme, admin, run, confirm_leavers=True)
    bob = Employee.objects.select_related("user").get(user__username="bob")
    assert bob.user.is_active is False
    assert list(open_tasks(requisition)) == ["carol"]
    assert (applied.result["leavers"], applied.result["reassigned_tasks"]) == (1, 1)


def test_a_change_since_the_preview_shows_the_new_diff_instead_of_applying(acme, admin):
    run = upload(acme, admin, csv_file("email,signing_limit", "alice@acme.example,500"))
    Employee.objects.filter(user__username="alice").update(signing_limit_minor=500_00)
    with pytest.raises(OrgImportChanged):
        apply(acme, admin, run)
    run.refresh_from_db()
    assert (run.status, run.diff["counts"]["updated"], run.diff["counts"]["unchanged"]) == ("draft", 0, 1)


def test_a_failure_midway_rolls_everything_back_and_marks_the_run_failed(acme, admin, monkeypatch):
    OrgUnitFactory(legal_entity=acme.france, code="FR", name="Acme France")
    run = upload(acme, admin, SAMPLE)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    # The people step fails after the units, cost centres and nina were written
    monkeypatch.setattr(apply_module, "employees_org_apply", broken)
    with pytest.raises(OrgImportFailed):
        apply(acme, admin, run)
    run.refresh_from_db()
    assert (run.status, run.failure) == ("failed", "An unexpected error stopped the import.")
    assert not OrgUnit.objects.filter(code="FR-LAB").exists()
    assert not CostCentre.objects.filter(code="FR-LAB").exists()
    assert not Employee.objects.filter(user__email="nina@acme.example").exists()
    assert Employee.objects.get(user__username="alice").manager.user.username == "bob"
