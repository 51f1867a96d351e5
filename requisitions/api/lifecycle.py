"""REST API of a requisition's lifecycle: submit, withdraw, cancel, copy, merge, its history."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2p.submit_to_order import requisition_cancel, requisition_submit, requisition_withdraw
from procurement.api import ERROR_SCHEMA
from procurement.web import current_employee

from ..selectors import requisition_get
from ..serializers import CommentSerializer, MergeSerializer, RequisitionEventSerializer, RequisitionSerializer
from ..services import requisition_copy, requisition_merge
from .carts import requisition_response


def action_view(action: str) -> type[APIView]:
    class ActionView(APIView):
        @extend_schema(
            request=CommentSerializer,
            responses={200: RequisitionSerializer, 400: ERROR_SCHEMA, 409: ERROR_SCHEMA},
            operation_id=f"requisition_{action}",
            examples=[
                OpenApiExample("Comment", request_only=True, value={"comment": "Ordered elsewhere"}),
                OpenApiExample(
                    "Refused",
                    response_only=True,
                    status_codes=["400"],
                    value={"code": "submission_invalid", "message": "The requisition has no lines."},
                ),
            ],
        )
        def post(self, request: Request, pk: int) -> Response:
            employee = current_employee(request)
            requisition = requisition_get(employee=employee, pk=pk)
            if action == "submit":
                return requisition_response(requisition_submit(requisition=requisition, by=employee))
            incoming = CommentSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            comment = incoming.validated_data["comment"]
            if action == "withdraw":
                return requisition_response(requisition_withdraw(requisition=requisition, by=employee, comment=comment))
            return requisition_response(requisition_cancel(requisition=requisition, by=employee, comment=comment))

    ActionView.__name__ = f"Requisition{action.capitalize()}View"
    ActionView.__doc__ = {
        "submit": "Submit: validates the lines, runs the approval and budget checks, moves the requisition on.",
        "withdraw": "The requester takes the requisition back before final approval.",
        "cancel": "Cancel a cart or a returned requisition (buyers: approved or ordered ones too).",
    }[action]
    return ActionView


class CopyView(APIView):
    @extend_schema(request=None, responses={201: RequisitionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """A new cart with the same lines at today's prices."""
        employee = current_employee(request)
        copy = requisition_copy(requisition=requisition_get(employee=employee, pk=pk), by=employee)
        return requisition_response(copy, status_code=status.HTTP_201_CREATED)


class MergeView(APIView):
    @extend_schema(
        request=MergeSerializer,
        responses={200: RequisitionSerializer, 400: ERROR_SCHEMA},
        examples=[OpenApiExample("Merge two carts", request_only=True, value={"requisitions": [12, 15]})],
    )
    def post(self, request: Request, pk: int) -> Response:
        """Merge other carts into this one; they are cancelled, their lines move here."""
        employee = current_employee(request)
        target = requisition_get(employee=employee, pk=pk)
        incoming = MergeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        sources = [requisition_get(employee=employee, pk=source) for source in incoming.validated_data["requisitions"]]
        return requisition_response(requisition_merge(target=target, sources=sources, by=employee))


class EventsView(APIView):
    @extend_schema(responses={200: RequisitionEventSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        """The requisition's history: every status move and change after submission."""
        requisition = requisition_get(employee=current_employee(request), pk=pk)
        events = requisition.events.select_related("actor").order_by("created_at", "id")
        return Response(RequisitionEventSerializer(events, many=True).data)
