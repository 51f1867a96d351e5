"""The requisition list downloads as CSV and XLSX with its filters: every requisition the API pages through."""

from decimal import Decimal

from procurement.models import Role
from requisitions.exports import REQUISITION_COLUMNS
from requisitions.models import Requisition
from tests.factories import EmployeeFactory, LegalEntityFactory, UserFactory, requisition_for

from .downloads import csv_rows, number, xlsx_rows

KEYS = [column.key for column in REQUISITION_COLUMNS]


def _requisitions():
    france = LegalEntityFactory(code="ACME-FR", currency="EUR")
    sweden = LegalEntityFactory(code="ACME-SE", currency="SEK")
    alice = EmployeeFactory(user=UserFactory(username="alice"), legal_entities=[france, sweden], roles=[Role.REQUESTER])
    made = []
    for index in range(57):  # more than one API page of 50
        entity = sweden if index % 3 == 0 else france
        requisition = requisition_for(alice, entity, title=f"Cart {index}" if index != 7 else "@sum of things")
        Requisition.objects.filter(pk=requisition.pk).update(
            total_minor=None if index == 5 else 1999 * index,
            line_count=index % 4,
            status=Requisition.Status.SUBMITTED if index % 2 else Requisition.Status.DRAFT,
        )
        made.append(requisition)
    return alice


def _all_pages(api_client, query: str) -> list[dict]:
    rows, url = [], f"/api/v1/requisitions/{query}"
    while url:
        page = api_client.get(url).json()
        rows += page["results"]
        url = page["next"]
    return rows


def test_requisition_downloads_hold_every_page_of_the_api_list(db, api_client):
    alice = _requisitions()
    api_client.force_authenticate(alice.user)
    for query in ("?mine=1", "?status=submitted", "?legal_entity=ACME-SE"):
        listed = _all_pages(api_client, query)
        assert len(listed) > 0
        rows = csv_rows(api_client.get(f"/api/v1/requisitions/{query}&export=csv"))
        assert [
            {key: row[key] for key in ("id", "number", "title", "status", "legal_entity", "requester", "currency")}
            for row in rows
        ] == [
            {
                "id": str(item["id"]),
                "number": item["number"],
                "title": "'" + item["title"] if item["title"].startswith("@") else item["title"],
                "status": item["status"],
                "legal_entity": item["legal_entity"],
                "requester": item["requester"],
                "currency": item["currency"],
            }
            for item in listed
        ]
        assert [(row["total"], row["line_count"]) for row in rows] == [
            (item["total"]["amount"] if item["total"] else "", str(item["line_count"])) for item in listed
        ]
        _, book = xlsx_rows(api_client.get(f"/api/v1/requisitions/{query}&export=xlsx"), KEYS)
        assert [(row["id"], row["title"], None if row["total"] is None else number(row["total"])) for row in book] == [
            (item["id"], item["title"], Decimal(item["total"]["amount"]) if item["total"] else None) for item in listed
        ]
    assert len(_all_pages(api_client, "?mine=1")) == 57


def test_my_requisitions_page_downloads_its_tab(db, client):
    alice = _requisitions()
    client.force_login(alice.user)
    page = client.get("/requisitions/?status=draft&entity=ACME-SE").content.decode()
    assert 'href="/requisitions/?status=draft&amp;entity=ACME-SE&amp;export=csv"' in page
    rows = csv_rows(client.get("/requisitions/?status=draft&entity=ACME-SE&export=csv"))
    assert {row["legal_entity"] for row in rows} == {"ACME-SE"} and {row["status"] for row in rows} == {"draft"}
    assert sorted(row["title"] for row in rows) == sorted(f"Cart {i}" for i in range(0, 57, 6))
