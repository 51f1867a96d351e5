"""REST API of approvals."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets.selectors import budget_impacts
from p2p.submit_to_order import approval_decide
from procurement.api import ERROR_SCHEMA
from procurement.selectors import legal_entity_for_user
from procurement.web import current_employee
from requisitions.selectors import requisition_get

from .forms import bounded_int, decision_origin
from .inbox import INBOX_COUNT_CAP, InboxCursor, approval_inbox_rows
from .selectors import approval_chain_for, chain_subject_status
from .serializers import ChainViewSerializer, DecisionSerializer, InboxApiResults, InboxItemSerializer

INBOX_PAGE = 100
# What each path means on an invoice's task (the same paths serve both kinds).
INVOICE_NOTE = {
    "approve": " On an invoice on hold: accept the variance.",
    "return": " On an invoice on hold: ask the supplier for a credit note (a comment is required).",
    "reject": " On an invoice on hold: reject the invoice (a comment is required).",
}
INBOX_MAX_PAGE = 1_000_000


class ApprovalChainView(APIView):
    @extend_schema(
        responses={200: ChainViewSerializer, 404: ERROR_SCHEMA},
        examples=[
            OpenApiExample(
                "Preview of a 5,000 EUR cart",
                response_only=True,
                value={
                    "status": "preview",
                    "total": {"amount": "5000.00", "currency": "EUR"},
                    "auto_approved": False,
                    "blocked": "",
                    "problems": [],
                    "stages": [
                        {
                            "position": 1,
                            "name": "Manager: Bob Dubois",
                            "reason": "signing limit 1,000.00 EUR",
                            "mode": "any",
                            "required_count": 1,
                            "status": "pending",
                            "approvers": [
                                {
                                    "username": "bob",
                                    "name": "Bob Dubois",
                                    "status": "pending",
                                    "comment": "",
                                    "decided_at": None,
                                    "decided_by": "",
                                }
                            ],
                        },
                    ],
                },
            )
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        """Who signs, in what order: a preview while the requisition is a cart, the stored chain after."""
        requisition = requisition_get(employee=current_employee(request), pk=pk)
        return Response(ChainViewSerializer(approval_chain_for(requisition=requisition)).data)


class InboxView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("order", OpenApiTypes.STR, enum=["oldest", "newest", "amount"]),
            OpenApiParameter(
                "cursor",
                OpenApiTypes.STR,
                description="Where the page before ended: follow `next`, which carries it (100 tasks a page).",
            ),
            OpenApiParameter(
                "page", OpenApiTypes.INT, description="100 tasks a page; `next` carries a cursor, faster far in."
            ),
            OpenApiParameter("legal_entity", OpenApiTypes.STR, description="Only this entity's requisitions."),
        ],
        responses={
            200: inline_serializer(
                "Inbox",
                {
                    "count": serializers.IntegerField(
                        help_text=f"How many tasks wait, counted up to {INBOX_COUNT_CAP:,} (see count_capped)."
                    ),
                    "count_capped": serializers.BooleanField(
                        help_text=f"True when more than {INBOX_COUNT_CAP:,} tasks wait: count is then the cap."
                    ),
                    "next": serializers.CharField(allow_null=True),
                    "results": InboxItemSerializer(many=True),
                },
            ),
            400: ERROR_SCHEMA,
        },
    )
    def get(self, request: Request) -> Response:
        """Everything the caller must decide, with the requisition, the lines and the chain so far."""
        employee = current_employee(request)
        page = bounded_int(request.query_params.get("page"), high=INBOX_MAX_PAGE) or 1
        token = request.query_params.get("cursor")
        cursor = InboxCursor.parse(token)
        if token and cursor is None:
            raise ValidationError({"cursor": ["Not a cursor of this inbox: follow the `next` link."]})
        entity_code = request.query_params.get("legal_entity")
        entity_id = legal_entity_for_user(user=request.user, code=entity_code).pk if entity_code else None
        result = approval_inbox_rows(
            employee=employee,
            # Each task's object written from its row as InboxItemSerializer writes it (the schema's serializer).
            build=InboxApiResults(),
            order=request.query_params.get("order", "oldest"),
            offset=0 if cursor else (page - 1) * INBOX_PAGE,
            limit=INBOX_PAGE,
            legal_entity_id=entity_id,
            budget_impacts=budget_impacts,
            cursor=cursor,
            count=True,
        )
        count = result.count or 0
        next_url = None
        if result.next_cursor is not None:
            query = request.query_params.copy()
            query["page"] = str(page + 1)
            query["cursor"] = result.next_cursor.token
            next_url = request.build_absolute_uri(f"?{query.urlencode()}")
        return Response(
            {
                "count": min(count, INBOX_COUNT_CAP),
                "count_capped": count > INBOX_COUNT_CAP,
                "next": next_url,
                "results": result.items,
            }
        )


def decision_view(decision: str) -> type[APIView]:
    class DecisionView(APIView):
        @extend_schema(
            request=DecisionSerializer,
            responses={
                200: inline_serializer(
                    f"Decision{decision.capitalize()}",
                    {
                        "decision": serializers.CharField(),
                        "requisition": serializers.IntegerField(allow_null=True, help_text="Null for an invoice."),
                        "requisition_status": serializers.CharField(allow_null=True),
                        "subject": serializers.ChoiceField(
                            choices=["requisition", "invoice"], required=False, help_text="Only for an invoice's task."
                        ),
                        "invoice": serializers.IntegerField(required=False, help_text="Only for an invoice's task."),
                        "invoice_status": serializers.CharField(
                            required=False, help_text="exception (a credit note asked), approved, rejected…"
                        ),
                    },
                ),
                403: ERROR_SCHEMA,
                409: ERROR_SCHEMA,
            },
            operation_id=f"approval_task_{decision}",
            examples=[OpenApiExample("Comment", request_only=True, value={"comment": "Please add a quote."})],
        )
        def post(self, request: Request, task_id: int) -> Response:
            employee = current_employee(request)
            incoming = DecisionSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            assignment = approval_decide(
                task_id=task_id,
                by=employee,
                decision=decision,
                comment=incoming.validated_data["comment"],
                origin=decision_origin(request, via="api"),
            )
            chain = assignment.step.chain
            if chain.requisition is not None:
                chain.requisition.refresh_from_db()
                return Response(
                    {
                        "decision": decision,
                        "requisition": chain.requisition.pk,
                        "requisition_status": chain.requisition.status,
                    }
                )
            answer: dict[str, Any] = {
                "decision": decision,
                "requisition": None,
                "requisition_status": None,
                "subject": chain.subject,
                "invoice": chain.invoice_id,
                "invoice_status": chain_subject_status(chain_id=chain.pk),
            }
            return Response(answer)

    DecisionView.__name__ = f"Approval{decision.capitalize()}View"
    DecisionView.__doc__ = f"{decision.capitalize()} an approval task of yours.{INVOICE_NOTE[decision]}"
    return DecisionView
