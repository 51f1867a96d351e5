"""REST API of budgets: what is left, per entity, cost centre and period."""

from typing import Any

from django.db.models import Q, Sum
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.money import Money
from procurement.selectors import legal_entities_for_employee, legal_entity_for_user
from requisitions.api import current_employee

from .models import Budget

BudgetSchema = inline_serializer(
    "Budget",
    {
        "id": serializers.IntegerField(),
        "legal_entity": serializers.CharField(),
        "cost_centre": serializers.CharField(),
        "period": serializers.CharField(),
        "amount": serializers.CharField(),
        "available": serializers.CharField(),
        "currency": serializers.CharField(),
        "control": serializers.ChoiceField(choices=["hard", "warn", "none"]),
        "precommitted": serializers.CharField(),
        "committed": serializers.CharField(),
        "actual": serializers.CharField(),
    },
)


def budget_row(budget: Any) -> dict[str, Any]:
    def money(minor: int | None) -> str:
        return str(Money.from_minor(minor or 0, budget.currency).amount)

    held = (budget.precommitted or 0) + (budget.released or 0)
    return {
        "id": budget.pk,
        "legal_entity": budget.legal_entity.code,
        "cost_centre": budget.cost_centre.code,
        "period": budget.period_label,
        "amount": money(budget.amount_minor),
        "available": money(budget.amount_minor - (budget.used or 0)),
        "currency": budget.currency,
        "control": budget.control,
        "precommitted": money(held),
        "committed": money(budget.committed),
        "actual": money(budget.actual),
    }


class BudgetListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("legal_entity", OpenApiTypes.STR),
            OpenApiParameter("cost_centre", OpenApiTypes.STR),
        ],
        responses={200: inline_serializer("Budgets", {"results": BudgetSchema})},
    )
    def get(self, request: Request) -> Response:
        """Budgets of the caller's legal entities with what is left: amount − every ledger entry."""
        employee = current_employee(request)
        budgets = Budget.objects.filter(legal_entity__in=legal_entities_for_employee(employee=employee))
        if request.query_params.get("legal_entity"):
            budgets = budgets.filter(
                legal_entity=legal_entity_for_user(user=request.user, code=request.query_params["legal_entity"])
            )
        if request.query_params.get("cost_centre"):
            budgets = budgets.filter(cost_centre__code__iexact=request.query_params["cost_centre"])
        budgets = (
            budgets.select_related("legal_entity", "cost_centre")
            .annotate(
                used=Sum("entries__amount_minor"),
                precommitted=Sum("entries__amount_minor", filter=_kind("precommitment")),
                released=Sum("entries__amount_minor", filter=_kind("release")),
                committed=Sum("entries__amount_minor", filter=_kind("commitment", "commitment_release")),
                actual=Sum("entries__amount_minor", filter=_kind("actual")),
            )
            .order_by("legal_entity__code", "cost_centre__code", "period_start")
        )
        return Response({"results": [budget_row(budget) for budget in budgets]})


def _kind(*kinds: str) -> Q:
    return Q(entries__kind__in=kinds)
