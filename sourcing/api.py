"""REST API of requests for quotation: list and create, read one (its quotes only after the due date), send,
score, award. Errors answer {"code", "message"} (`procurement.api_errors`)."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from procurement.models import Employee, LegalEntity
from procurement.money import Money, decimal_text
from procurement.selectors import legal_entities_for_employee
from procurement.web import current_employee

from .errors import NotAllowed, QuotesSealed, RFQInvalid
from .models import SCORE_MAX, Criterion, Quote, RequestForQuotation
from .rfq_input import decimal_read, due_read, id_read, ids_read, text_read, whole_read
from .selectors import (
    evaluation,
    invitations_of,
    quote_counts,
    quotes_unsealed,
    requisition_lines_to_quote,
    rfq_get,
    rfq_lines,
    rfqs_visible,
)
from .services import (
    AwardChoice,
    RFQLineInput,
    RFQSpec,
    rfq_award,
    rfq_create,
    rfq_send,
    scores_submit,
)

LIST_LIMIT = 200

RFQSchema = inline_serializer(
    "RequestForQuotation",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "legal_entity": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.ChoiceField(choices=RequestForQuotation.Status.values),
        "currency": serializers.CharField(),
        "due_at": serializers.DateTimeField(),
        "sealed": serializers.BooleanField(help_text="True until the due date: no quote is shown."),
        "quotes_received": serializers.IntegerField(),
        "lines": serializers.ListField(child=serializers.DictField()),
        "suppliers": serializers.ListField(child=serializers.DictField()),
        "evaluators": serializers.ListField(child=serializers.CharField()),
        "weights": serializers.DictField(child=serializers.IntegerField()),
        "quotes": serializers.ListField(
            child=serializers.DictField(), allow_null=True, help_text="null until the due date."
        ),
        "award_requisition": serializers.CharField(allow_null=True),
    },
)


def _body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise RFQInvalid(_("Send a JSON object."))
    return request.data


def _quote_data(quote: Quote) -> dict[str, Any]:
    return {
        "id": quote.pk,
        "supplier": quote.invitation.supplier.code,
        "submitted_at": quote.submitted_at.isoformat(),
        "revision": quote.revision,
        "note": quote.note,
        "lines": [
            {
                "id": line.pk,
                "line": line.rfq_line.line_number,
                "unit_price": Money.from_minor(line.unit_price_minor, quote.currency).as_api(),
                "lead_time_days": line.lead_time_days,
                "valid_until": line.valid_until.isoformat(),
                "alternative_description": line.alternative_description,
                "comment": line.comment,
            }
            for line in quote.lines.all()
        ],
    }


def rfq_data(rfq: RequestForQuotation, *, employee: Employee) -> dict[str, Any]:
    quoted, _invited = quote_counts(rfq=rfq)
    quotes: list[dict[str, Any]] | None = None
    if rfq.is_due() and rfq.status != RequestForQuotation.Status.DRAFT:
        try:
            quotes = [_quote_data(quote) for quote in quotes_unsealed(rfq=rfq, employee=employee)]
        except (QuotesSealed, NotAllowed):  # the requester sees the request, not the quotes
            quotes = None
    return {
        "id": rfq.pk,
        "number": rfq.number,
        "legal_entity": rfq.legal_entity.code,
        "title": rfq.title,
        "description": rfq.description,
        "status": rfq.status,
        "currency": rfq.currency,
        "due_at": rfq.due_at.isoformat(),
        "sealed": not rfq.is_due(),
        "quotes_received": quoted,
        "lines": [
            {
                "id": line.pk,
                "line": line.line_number,
                "description": line.description,
                "quantity": decimal_text(line.quantity),
                "unit": line.unit,
                "specification": line.specification,
            }
            for line in rfq_lines(rfq=rfq)
        ],
        "suppliers": [
            {"id": invitation.supplier_id, "code": invitation.supplier.code, "outcome": invitation.outcome}
            for invitation in invitations_of(rfq=rfq)
        ],
        "evaluators": list(rfq.evaluators.values_list("employee__user__username", flat=True)),
        "weights": rfq.weights,
        "quotes": quotes,
        "award_requisition": rfq.award_requisition.number if rfq.award_requisition else None,
    }


def _lines_read(values: Any) -> list[RFQLineInput]:
    if not isinstance(values, list):
        raise RFQInvalid(_("lines must be a list of lines."), field="lines")
    if len(values) > 200:
        raise RFQInvalid(_("A request has at most %(max)s lines.") % {"max": 200}, field="lines")
    lines = []
    for number, value in enumerate(values, 1):
        if not isinstance(value, dict):
            raise RFQInvalid(_("Line %(number)s must be an object.") % {"number": number}, field="lines")
        label = _("Line %(number)s: the quantity") % {"number": number}
        quantity = decimal_read(value.get("quantity"), label=label, field=f"line-{number}-quantity")
        if quantity is None:
            raise RFQInvalid(_("Line %(number)s: give the quantity.") % {"number": number})
        requisition_line = value.get("requisition_line")
        lines.append(
            RFQLineInput(
                description=text_read(value.get("description"), label=_("description"), field="description"),
                quantity=quantity,
                unit=text_read(value.get("unit", "EA"), label=_("unit"), field="unit") or "EA",
                specification=text_read(value.get("specification"), label=_("specification"), field="specification"),
                requisition_line_id=None
                if requisition_line in (None, "")
                else id_read(requisition_line, label="requisition_line", field="requisition_line"),
            )
        )
    return lines


def _entity(employee: Employee, code: Any) -> LegalEntity:
    if not isinstance(code, str) or not code:
        raise RFQInvalid(_("Name the legal entity (its code)."), field="legal_entity")
    entity = legal_entities_for_employee(employee=employee).filter(code=code[:40]).first()
    if entity is None:
        raise RFQInvalid(
            _("You are not a member of legal entity %(code)s.") % {"code": code[:40]}, field="legal_entity"
        )
    return entity


class RFQListView(APIView):
    @extend_schema(
        responses={200: inline_serializer("RequestsForQuotation", {"results": RFQSchema})},
        operation_id="rfqs_list",
    )
    def get(self, request: Request) -> Response:
        """Requests of the caller's entities that they buy for, evaluate or asked for; newest first."""
        employee = current_employee(request)
        requests = rfqs_visible(employee=employee).select_related("legal_entity", "award_requisition")
        return Response(
            {
                "results": [
                    rfq_data(rfq, employee=employee) for rfq in requests.order_by("-created_at", "-id")[:LIST_LIMIT]
                ]
            }
        )

    @extend_schema(
        request=inline_serializer(
            "RequestForQuotationCreate",
            {
                "legal_entity": serializers.CharField(),
                "title": serializers.CharField(),
                "description": serializers.CharField(required=False),
                "due_at": serializers.DateTimeField(help_text="ISO 8601 with its offset: 2026-12-31T17:00:00+01:00."),
                "lines": serializers.ListField(child=serializers.DictField()),
                "suppliers": serializers.ListField(child=serializers.IntegerField(), help_text="At least two."),
                "evaluators": serializers.ListField(child=serializers.IntegerField(), help_text="Employee ids."),
                "weights": serializers.DictField(
                    child=serializers.IntegerField(), help_text="price, delivery, quality, terms: adding up to 100."
                ),
                "requisition": serializers.IntegerField(required=False),
            },
        ),
        responses={201: RFQSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA},
        operation_id="rfq_create",
    )
    def post(self, request: Request) -> Response:
        """Make a draft request (send it with `.../send/`)."""
        employee = current_employee(request)
        data = _body(request)
        entity = _entity(employee, data.get("legal_entity"))
        weights = data.get("weights")
        if not isinstance(weights, dict):
            raise RFQInvalid(_("weights must be an object: price, delivery, quality, terms."), field="weights")
        requisition = None
        if data.get("requisition") not in (None, ""):
            requisition, _lines = requisition_lines_to_quote(
                employee=employee, requisition_pk=id_read(data["requisition"], label="requisition", field="requisition")
            )
        spec = RFQSpec(
            title=text_read(data.get("title"), label="title", field="title"),
            description=text_read(data.get("description"), label="description", field="description"),
            due_at=due_read(data.get("due_at"), offset_required=True),
            lines=_lines_read(data.get("lines")),
            supplier_ids=ids_read(data.get("suppliers"), label="suppliers", field="suppliers"),
            evaluator_ids=ids_read(data.get("evaluators"), label="evaluators", field="evaluators"),
            weights={
                str(key)[:20]: whole_read(value, label=str(key)[:20], field="weights", low=0, high=100) or 0
                for key, value in list(weights.items())[:10]
            },
            requisition=requisition,
        )
        rfq = rfq_create(by=employee, legal_entity=entity, spec=spec)
        return Response(rfq_data(rfq_get(employee=employee, pk=rfq.pk), employee=employee), status=201)


class RFQDetailView(APIView):
    @extend_schema(responses={200: RFQSchema, 404: ERROR_SCHEMA}, operation_id="rfq_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        """The request; `quotes` is null until the due date (sealed), then the quotes with their prices for its
        buyers and committee."""
        employee = current_employee(request)
        return Response(rfq_data(rfq_get(employee=employee, pk=pk), employee=employee))


class RFQSendView(APIView):
    @extend_schema(
        request=None,
        responses={200: RFQSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        operation_id="rfq_send",
    )
    def post(self, request: Request, pk: int) -> Response:
        """Send a draft: each supplier gets its link by e-mail."""
        employee = current_employee(request)
        rfq_send(rfq=rfq_get(employee=employee, pk=pk), by=employee)
        return Response(rfq_data(rfq_get(employee=employee, pk=pk), employee=employee))


ScoresSchema = inline_serializer(
    "RequestForQuotationScores",
    {
        "revealed": serializers.BooleanField(),
        "mine": serializers.ListField(child=serializers.DictField()),
        "results": serializers.ListField(
            child=serializers.DictField(), help_text="Weighted totals per quote, empty until revealed."
        ),
    },
)


def _scores_data(rfq: RequestForQuotation, employee: Employee) -> dict[str, Any]:
    seen = evaluation(rfq=rfq, employee=employee)
    return {
        "revealed": seen.revealed,
        "mine": [
            {"quote": quote, "criterion": criterion, "value": value}
            for (quote, criterion), value in sorted(seen.mine.items())
        ],
        "results": [
            {
                "quote": result.quote.pk,
                "supplier": result.quote.invitation.supplier.code,
                "means": {criterion: f"{mean:f}" for criterion, mean in result.means.items()},
                "total": f"{result.total:f}",  # out of 100, two decimals: "82.00"
            }
            for result in seen.results
        ],
    }


class RFQScoresView(APIView):
    @extend_schema(responses={200: ScoresSchema, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA}, operation_id="rfq_scores")
    def get(self, request: Request, pk: int) -> Response:
        """My scores; everybody's weighted totals once revealed. Refused (403 `quotes_sealed`) before the due date."""
        employee = current_employee(request)
        return Response(_scores_data(rfq_get(employee=employee, pk=pk), employee))

    @extend_schema(
        request=inline_serializer(
            "RequestForQuotationScoresSubmit",
            {
                "scores": serializers.ListField(
                    child=serializers.DictField(), help_text="{quote, criterion, value 0–10}"
                )
            },
        ),
        responses={200: ScoresSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        operation_id="rfq_scores_submit",
    )
    def post(self, request: Request, pk: int) -> Response:
        """An evaluator's scores: every quote on every criterion (price, delivery, quality, terms), 0 to 10."""
        employee = current_employee(request)
        rfq = rfq_get(employee=employee, pk=pk)
        values = _body(request).get("scores")
        if not isinstance(values, list) or len(values) > 2000:
            raise RFQInvalid(_("scores must be a list of {quote, criterion, value}."), field="scores")
        scores: dict[tuple[int, str], int] = {}
        for value in values:
            if not isinstance(value, dict) or value.get("criterion") not in Criterion.values:
                raise RFQInvalid(
                    _("Each score names a quote, a criterion (price, delivery, quality, terms) and a value."),
                    field="scores",
                )
            number = whole_read(value.get("value"), label=_("A score"), field="scores", low=0, high=SCORE_MAX)
            if number is None:
                raise RFQInvalid(_("Each score needs a value from 0 to 10."), field="scores")
            scores[(id_read(value.get("quote"), label="quote", field="scores"), value["criterion"])] = number
        scores_submit(rfq=rfq, by=employee, scores=scores)
        return Response(_scores_data(rfq_get(employee=employee, pk=pk), employee))


class RFQAwardView(APIView):
    @extend_schema(
        request=inline_serializer(
            "RequestForQuotationAward",
            {
                "lines": serializers.ListField(child=serializers.DictField(), help_text="{line, quote_line}: ids."),
                "justification": serializers.CharField(),
            },
        ),
        responses={200: RFQSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        operation_id="rfq_award",
    )
    def post(self, request: Request, pk: int) -> Response:
        """Award lines to quote lines (split awards allowed) with a justification; the awarded lines become
        requisition lines at the quoted price."""
        employee = current_employee(request)
        rfq = rfq_get(employee=employee, pk=pk)
        data = _body(request)
        values = data.get("lines")
        if not isinstance(values, list) or len(values) > 200:
            raise RFQInvalid(_("lines must be a list of {line, quote_line}."), field="lines")
        choices = []
        for value in values:
            if not isinstance(value, dict):
                raise RFQInvalid(_("lines must be a list of {line, quote_line}."), field="lines")
            choices.append(
                AwardChoice(
                    rfq_line=id_read(value.get("line"), label="line", field="lines"),
                    quote_line=id_read(value.get("quote_line"), label="quote_line", field="lines"),
                )
            )
        rfq_award(
            rfq=rfq,
            by=employee,
            choices=choices,
            justification=text_read(data.get("justification"), label="justification", field="justification"),
        )
        return Response(rfq_data(rfq_get(employee=employee, pk=pk), employee=employee))
