"""Pages and API of what reads across every app: the home page per role, and a requisition's tracker."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from procurement.models import Employee
from procurement.selectors import legal_entity_for_user
from procurement.web import acting_legal_entity, current_employee, employee_required
from requisitions.selectors import requisition_get

from .home import Home, home_for
from .tracker import Tracker, requisition_tracker


@employee_required
def home(request: HttpRequest, employee: Employee) -> HttpResponse:
    """What needs the signed-in person now, one section per thing they are, most urgent first."""
    page = home_for(employee=employee, legal_entity=acting_legal_entity(request))
    return render(request, "p2p/home.html", {"home": page})


@employee_required
def requisition_track(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """The tracker alone: where a requisition stands and what to do next, light enough for a phone."""
    requisition = requisition_get(employee=employee, pk=pk)
    return render(request, "p2p/track.html", {"requisition": requisition})


# --- API --------------------------------------------------------------------------------------------

HOME_SCHEMA = inline_serializer(
    "Home",
    {
        "legal_entity": serializers.CharField(),
        "roles": serializers.ListField(child=serializers.CharField()),
        "counts": serializers.DictField(child=serializers.IntegerField()),
        "sections": inline_serializer(
            "HomeSection",
            {
                "key": serializers.CharField(),
                "role": serializers.CharField(),
                "title": serializers.CharField(),
                "count": serializers.IntegerField(),
                "url": serializers.CharField(),
            },
            many=True,
        ),
    },
)


def home_json(page: Home) -> dict[str, Any]:
    return {
        "legal_entity": page.legal_entity.code,
        "roles": page.roles,
        "counts": page.counts(),
        "sections": [
            {"key": s.key, "role": s.role, "title": s.title, "count": s.count, "url": s.url} for s in page.sections
        ],
    }


class HomeView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("legal_entity", str, description="An entity's code (default: the caller's default).")
        ],
        responses={200: HOME_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA},
    )
    def get(self, request: Request) -> Response:
        """The home page's sections and their counts for the caller in one legal entity, most urgent first."""
        employee = current_employee(request)
        entity = legal_entity_for_user(user=request.user, code=request.query_params.get("legal_entity"))
        return Response(home_json(home_for(employee=employee, legal_entity=entity)))


TRACKER_SCHEMA = inline_serializer(
    "RequisitionTracker",
    {
        "requisition": serializers.IntegerField(),
        "number": serializers.CharField(),
        "status": serializers.CharField(),
        "current": serializers.CharField(allow_null=True),
        "comment": inline_serializer(
            "TrackerComment",
            {
                "status": serializers.CharField(),
                "who": serializers.CharField(),
                "when": serializers.DateTimeField(),
                "text": serializers.CharField(),
            },
            allow_null=True,
        ),
        "stages": inline_serializer(
            "TrackerStage",
            {
                "key": serializers.CharField(),
                "label": serializers.CharField(),
                "state": serializers.ChoiceField(choices=["done", "current", "upcoming", "skipped"]),
                "when": serializers.DateTimeField(allow_null=True),
                "detail": serializers.CharField(),
                "outcome": serializers.CharField(),
                "partly": serializers.BooleanField(),
                "people": serializers.ListField(child=serializers.DictField()),
                "links": serializers.ListField(child=serializers.DictField()),
                "shipments": serializers.ListField(child=serializers.DictField()),
            },
            many=True,
        ),
        "actions": serializers.ListField(child=serializers.DictField()),
    },
)


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def tracker_json(tracker: Tracker, request: HttpRequest) -> dict[str, Any]:
    current = tracker.current
    comment = tracker.comment
    return {
        "requisition": tracker.requisition.pk,
        "number": tracker.requisition.number,
        "status": tracker.requisition.status,
        "current": current.key if current else None,
        "comment": None
        if comment is None
        else {"status": comment.status, "who": comment.who, "when": _when(comment.when), "text": comment.text},
        "stages": [
            {
                "key": stage.key,
                "label": stage.label,
                "state": stage.state,
                "when": _when(stage.when),
                "detail": stage.detail,
                "outcome": stage.outcome,
                "partly": stage.partly,
                "people": [
                    {
                        "username": person.username,
                        "name": person.name,
                        "status": person.status,
                        "current": person.current,
                        "decided_at": _when(person.decided_at),
                        "decided_by": person.decided_by,
                        "comment": person.comment,
                    }
                    for person in stage.people
                ],
                "links": [{"label": link.label, "url": request.build_absolute_uri(link.url)} for link in stage.links],
                "shipments": [
                    {
                        "shipment_id": shipment.shipment_id,
                        "order": shipment.order,
                        "carrier": shipment.carrier,
                        "tracking_number": shipment.tracking_number,
                        "tracking_url": shipment.tracking_url,
                        "shipped_on": _when(shipment.shipped_on),
                        "delivery_on": _when(shipment.delivery_on),
                    }
                    for shipment in stage.shipments
                ],
            }
            for stage in tracker.stages
        ],
        "actions": [
            {"name": a.name, "label": a.label, "url": request.build_absolute_uri(a.url), "method": a.method.upper()}
            for a in tracker.actions
        ],
    }


class RequisitionTrackerView(APIView):
    @extend_schema(responses={200: TRACKER_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA})
    def get(self, request: Request, pk: int) -> Response:
        """Where the requisition stands: its stages (done, current, upcoming, skipped), the latest comment when it
        was returned or rejected, and what the caller can do next (page URLs)."""
        employee = current_employee(request)
        requisition = requisition_get(employee=employee, pk=pk)
        return Response(tracker_json(requisition_tracker(requisition=requisition, viewer=employee), request))
