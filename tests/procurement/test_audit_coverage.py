"""Every change to people, rules, budgets, suppliers, secrets and organisation data writes one audit event with the
values before and after; a secret only as "changed" (docs/identity.md, "Audit log")."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from approvals.models import PurchasingRule
from budgets.models import Budget
from identity.models import IdentityProvider
from procurement.models import AuditEvent, Role, TotpDevice
from punchout.models import PunchoutConnection
from tests.factories import (
    BudgetFactory,
    CostCentreFactory,
    EmployeeFactory,
    LegalEntityFactory,
    OrgUnitFactory,
    PurchasingRuleFactory,
    SupplierFactory,
    UserFactory,
)

from .admin_forms import admin_form_post

pytestmark = pytest.mark.django_db


def only_event(**filters):
    events = list(AuditEvent.objects.filter(**filters))
    assert len(events) == 1, [(e.event_type, e.data) for e in AuditEvent.objects.all()]
    return events[0]


def test_a_supplier_changed_in_the_admin_records_old_and_new_values_and_only_that_its_secret_changed(admin_client):
    supplier = SupplierFactory(code="BUROTEC", name="Burotec", order_shared_secret="old-secret-1")
    response = admin_form_post(
        admin_client,
        reverse("admin:procurement_supplier_change", args=[supplier.pk]),
        {"name": "Burotec SARL", "order_shared_secret": "new-secret-2"},
    )
    assert response.status_code == 302, getattr(response, "form_errors", None)
    event = only_event(event_type="supplier.changed")
    assert event.data == {
        "name": "Burotec SARL",
        "changes": {"name": {"from": "Burotec", "to": "Burotec SARL"}, "order_shared_secret": "changed"},
        "source": "admin",
    }
    assert (event.actor.username, event.object_type, event.object_id) == (
        "admin",
        "procurement.Supplier",
        str(supplier.pk),
    )
    assert "secret-" not in json.dumps(event.data)


def test_saving_a_supplier_unchanged_writes_no_event(admin_client):
    supplier = SupplierFactory(code="BUROTEC", name="Burotec", order_shared_secret="old-secret-1")
    admin_form_post(admin_client, reverse("admin:procurement_supplier_change", args=[supplier.pk]), {})
    assert AuditEvent.objects.count() == 0


def test_a_role_granted_in_the_admin_is_recorded_but_not_a_manager_change_which_procurement_people_records(
    admin_client, france
):
    boss = EmployeeFactory(legal_entities=[france], user__username="boss")
    worker = EmployeeFactory(legal_entities=[france], user__username="worker", roles=[Role.REQUESTER])
    Role.objects.get_or_create(code=Role.APPROVER, defaults={"name": "Approver"})
    response = admin_form_post(
        admin_client,
        reverse("admin:procurement_employee_change", args=[worker.pk]),
        {"roles": [Role.REQUESTER, Role.APPROVER], "manager": boss.pk},
    )
    assert response.status_code == 302
    event = only_event(event_type="employee.changed")
    assert event.data["changes"] == {"roles": {"from": ["Requester"], "to": ["Approver", "Requester"]}}
    assert event.legal_entity == france


def test_deactivating_a_user_is_recorded_with_the_user_change(admin_client, france):
    employee = EmployeeFactory(legal_entities=[france], user__username="leaver")
    response = admin_form_post(
        admin_client,
        reverse("admin:auth_user_change", args=[employee.user.pk]),
        {"is_active": None, "is_staff": None, "is_superuser": None},
    )
    assert response.status_code == 302
    event = only_event(event_type="user.changed")
    assert event.data["changes"] == {"is_active": {"from": True, "to": False}}
    assert (event.object_type, event.legal_entity) == ("auth.User", france)


def test_an_administrator_setting_a_password_is_recorded_without_it(admin_client):
    user = UserFactory(username="forgetful")
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "A-new-pass-7731", "password2": "A-new-pass-7731", "usable_password": "true"},
    )
    assert response.status_code == 302
    event = only_event(event_type="user.password_set")
    assert event.data == {"user": "forgetful", "usable": True, "source": "admin"}


@pytest.mark.parametrize("kind", ["org_unit", "cost_centre"])
def test_organisation_changes_in_the_admin_are_recorded_with_their_entity(admin_client, france, kind):
    thing = (
        OrgUnitFactory(legal_entity=france, name="Old")
        if kind == "org_unit"
        else CostCentreFactory(legal_entity=france, name="Old")
    )
    model = type(thing)._meta.model_name
    admin_form_post(admin_client, reverse(f"admin:procurement_{model}_change", args=[thing.pk]), {"name": "New"})
    event = only_event(event_type=f"{kind}.changed")
    assert event.data["changes"] == {"name": {"from": "Old", "to": "New"}}
    assert event.legal_entity == france


def test_a_cost_centre_deleted_in_the_admin_is_recorded(admin_client, france):
    centre = CostCentreFactory(legal_entity=france, code="FR-OLD", name="Old")
    response = admin_client.post(reverse("admin:procurement_costcentre_delete", args=[centre.pk]), {"post": "yes"})
    assert response.status_code == 302
    event = only_event(event_type="cost_centre.deleted")
    assert (event.data, event.object_id, event.legal_entity) == (
        {"name": "FR-OLD — Old", "source": "admin"},
        str(centre.pk),
        france,
    )


def test_a_legal_entity_added_in_the_admin_is_recorded_with_what_was_set(admin_client):
    response = admin_form_post(
        admin_client,
        reverse("admin:procurement_legalentity_add"),
        {"code": "ACME-DE", "name": "Acme GmbH", "currency": "EUR", "po_number_prefix": "DE-", "country": "DE"},
    )
    assert response.status_code == 302
    event = only_event(event_type="legal_entity.created")
    assert event.data["changes"]["code"] == {"from": None, "to": "ACME-DE"}
    assert event.data["changes"]["name"] == {"from": None, "to": "Acme GmbH"}
    assert event.legal_entity.code == "ACME-DE"


def test_a_purchasing_rule_changed_in_the_admin_records_each_changed_condition(admin_client, france):
    rule = PurchasingRuleFactory(name="Finance above 5,000", position=30, effect=PurchasingRule.Effect.AUTO_APPROVE)
    AuditEvent.objects.all().delete()
    approver = EmployeeFactory(legal_entities=[france], user__username="erin", user__first_name="Erin")
    response = admin_form_post(
        admin_client,
        reverse("admin:approvals_purchasingrule_change", args=[rule.pk]),
        {
            "effect": PurchasingRule.Effect.NAMED_APPROVER,
            "approver": approver.pk,
            "min_amount": "5000.00",
            "currency": "EUR",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = only_event(event_type="purchasing_rule.changed")
    assert event.data == {
        "name": "Finance above 5,000",
        "version": 2,
        "changes": {
            "effect": {"from": "auto_approve", "to": "named_approver"},
            "approver": {"from": None, "to": str(approver)},
            "min_amount_minor": {"from": None, "to": 500000},
        },
    }
    assert event.actor.username == "admin"


def test_a_new_rule_is_recorded_as_created(db):
    rule = PurchasingRuleFactory(name="Auto", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE)
    event = only_event(event_type="purchasing_rule.created")
    assert (event.object_id, event.data["name"], event.data["version"]) == (str(rule.pk), "Auto", 1)
    assert event.data["changes"]["effect"] == {"from": None, "to": "auto_approve"}


def test_a_rule_deleted_in_the_admin_is_recorded(admin_client):
    rule = PurchasingRuleFactory(name="Old rule", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE)
    admin_client.post(reverse("admin:approvals_purchasingrule_delete", args=[rule.pk]), {"post": "yes"})
    event = only_event(event_type="purchasing_rule.deleted")
    assert event.data == {"name": "1. Old rule", "source": "admin"}


def test_a_budget_changed_in_the_admin_records_its_amount_before_and_after(admin_client, france):
    centre = CostCentreFactory(legal_entity=france, code="FR-ENG")
    budget = BudgetFactory(legal_entity=france, cost_centre=centre, period_label="2026", amount_minor=1_000_00)
    response = admin_form_post(
        admin_client, reverse("admin:budgets_budget_change", args=[budget.pk]), {"amount": "2500.00"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = only_event(event_type="budget.changed")
    assert event.data["changes"] == {"amount_minor": {"from": 100000, "to": 250000}}
    assert (event.data["cost_centre"], event.data["amount"], event.legal_entity) == ("FR-ENG", "2500.00", france)
    assert Budget.objects.get(pk=budget.pk).amount_minor == 250000


def test_a_punchout_connection_secret_and_oci_password_are_recorded_as_changed_only(admin_client):
    connection = PunchoutConnection.objects.create(
        supplier=SupplierFactory(code="SHOP"),
        protocol="oci",
        url="https://shop.example/oci",
        shared_secret="conn-secret-1",
        oci_fields={"USERNAME": "acme", "PASSWORD": "oci-pass-1"},
    )
    response = admin_form_post(
        admin_client,
        reverse("admin:punchout_punchoutconnection_change", args=[connection.pk]),
        {
            "shared_secret": "conn-secret-2",
            "oci_fields": json.dumps({"USERNAME": "acme2", "PASSWORD": "oci-pass-2"}),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = only_event(event_type="punchout.connection.changed")
    assert event.data["changes"] == {
        "shared_secret": "changed",
        "oci_fields": {"from": {"USERNAME": "acme", "PASSWORD": "***"}, "to": {"USERNAME": "acme2", "PASSWORD": "***"}},
    }
    assert "pass-" not in json.dumps(event.data) and "conn-secret" not in json.dumps(event.data)


def test_an_identity_providers_client_secret_is_recorded_as_changed_only(admin_client, france):
    provider = IdentityProvider.objects.create(
        name="Corp SSO",
        slug="corp",
        legal_entity=france,
        discovery_url="https://idp.example/.well-known/openid-configuration",
        client_id="procurement",
        client_secret="idp-secret-1",
    )
    response = admin_form_post(
        admin_client,
        reverse("admin:identity_identityprovider_change", args=[provider.pk]),
        {"client_secret": "idp-secret-2", "local_passwords_disabled": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = only_event(event_type="identity.provider.changed")
    assert event.data["changes"] == {
        "client_secret": "changed",
        "local_passwords_disabled": {"from": False, "to": True},
    }
    assert event.legal_entity == france


def test_an_administrator_removing_someones_authenticator_is_recorded(admin_client):
    user = UserFactory(username="lost-phone")
    device = TotpDevice.objects.create(user=user, name="phone", key_hex="00" * 20, confirmed=True)
    response = admin_client.post(reverse("admin:procurement_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 302
    event = only_event(event_type="two_factor.reset")
    assert event.data == {"user": "lost-phone", "device": "phone", "confirmed": True}
    assert (event.actor.username, event.object_type, event.object_id) == ("admin", "auth.User", str(user.pk))


def test_a_supplier_changed_through_the_api_records_old_and_new_values(db, api_client):
    from procurement.services import supplier_update

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    supplier = SupplierFactory(code="BUROTEC", name="Burotec", order_shared_secret="old")
    supplier_update(by=admin, supplier=supplier, fields={"name": "Burotec SARL", "order_shared_secret": "new"})
    event = only_event(event_type="supplier.updated")
    assert event.data["changes"] == {
        "name": {"from": "Burotec", "to": "Burotec SARL"},
        "order_shared_secret": "changed",
    }
    assert event.data["order_shared_secret"] == "***"


def test_budget_created_by_the_service_is_recorded_with_its_amount(db, france):
    from budgets.plans import BudgetSpec, budget_save
    from procurement.money import Money

    centre = CostCentreFactory(legal_entity=france, code="FR-LAB")
    _budget, created = budget_save(
        spec=BudgetSpec(legal_entity=france, cost_centre=centre, period="2026", amount=Money(Decimal("1000"), "EUR"))
    )
    event = only_event(event_type="budget.created")
    assert created and event.data == {
        "cost_centre": "FR-LAB",
        "period": "2026",
        "amount": "1000",
        "currency": "EUR",
        "changes": {},
    }
    assert LegalEntityFactory(code="FR-TEST") == event.legal_entity


def test_a_group_role_mapping_added_to_an_identity_provider_is_recorded_with_the_provider(admin_client, france):
    provider = IdentityProvider.objects.create(
        name="Corp SSO",
        slug="corp",
        legal_entity=france,
        discovery_url="https://idp.example/.well-known/openid-configuration",
        client_id="procurement",
    )
    Role.objects.get_or_create(code=Role.APPROVER, defaults={"name": "Approver"})
    response = admin_form_post(
        admin_client,
        reverse("admin:identity_identityprovider_change", args=[provider.pk]),
        {"group_roles-0-group": "procurement-approvers", "group_roles-0-role": Role.APPROVER},
    )
    assert response.status_code == 302, getattr(response, "form_errors", None)
    event = only_event(event_type="identity.provider.changed")
    assert event.data["changes"] == {
        "grouprolemapping": {"from": [], "to": [{"group": "procurement-approvers", "role": "Approver"}]}
    }


def test_an_erp_clients_new_oci_password_and_shared_secret_are_recorded_as_changed_only(admin_client, france):
    from punchout.models import ErpClient

    client = ErpClient.objects.create(
        code="ERP-X", name="ERP X", legal_entity=france, shared_secret="erp-secret-1", allowed_hosts=["erp.example"]
    )
    response = admin_form_post(
        admin_client,
        reverse("admin:punchout_erpclient_change", args=[client.pk]),
        {"oci_password": "erp-pass-2", "shared_secret": "erp-secret-2", "oci_enabled": "on", "oci_username": "erpx"},
    )
    assert response.status_code == 302, getattr(response, "form_errors", None)
    event = only_event(event_type="punchout.erp_client.changed")
    changes = event.data["changes"]
    assert changes.pop("group") == {"from": None, "to": "ERP clients: ERP-X"}
    assert changes == {
        "oci_enabled": {"from": False, "to": True},
        "oci_username": {"from": "", "to": "erpx"},
        "oci_password_hash": "changed",
        "shared_secret": "changed",
    }
    assert "erp-pass" not in json.dumps(event.data) and "erp-secret" not in json.dumps(event.data)
