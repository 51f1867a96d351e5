"""Requisitions in the admin: found by search and filters, read with their lines and event log, never changed there."""

import re

import pytest
from django.urls import reverse

from p2p.submit_to_order import requisition_cancel
from requisitions.models import Requisition

pytestmark = pytest.mark.django_db


@pytest.fixture
def cancelled(filled_cart, requester):
    return requisition_cancel(requisition=filled_cart, by=requester, comment="Bought elsewhere")


def test_the_list_finds_a_requisition_by_number_and_filters_by_status(admin_client, cancelled, cart):
    url = reverse("admin:requisitions_requisition_changelist")

    by_number = admin_client.get(url, {"q": cancelled.number}).content.decode()
    by_status = admin_client.get(url, {"status__exact": "cancelled"}).content.decode()

    assert cancelled.number in by_number
    assert f">{cancelled.number}<" in by_status
    assert by_status.count('class="field-number"') == 1


def test_the_page_shows_lines_and_the_status_moves_read_only(admin_client, cancelled):
    page = admin_client.get(reverse("admin:requisitions_requisition_change", args=[cancelled.pk])).content.decode()

    assert "Blue pen" in page
    assert "Bought elsewhere" in page
    assert "Status changed" in page
    assert 'name="status"' not in page
    assert re.search(
        r'class="field-from_status">\s*<p>draft</p>\s*</td>\s*<td class="field-to_status">\s*<p>cancelled</p>', page
    )
    assert 'name="_save"' not in page


def test_a_status_cannot_be_changed_through_the_admin(admin_client, cancelled):
    url = reverse("admin:requisitions_requisition_change", args=[cancelled.pk])

    answer = admin_client.post(url, {"status": "draft", "title": cancelled.title})

    assert answer.status_code == 403
    cancelled.refresh_from_db()
    assert cancelled.status == Requisition.Status.CANCELLED
    assert admin_client.get(reverse("admin:requisitions_requisition_add")).status_code == 403
