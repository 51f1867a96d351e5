"""REST API of approvals."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from requisitions.api import current_employee
from requisitions.selectors import requisition_get

from .selectors import approval_chain_for
from .serializers import ChainViewSerializer


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
