"""Reads of requests for quotation, and who may see what.

- A request is seen only inside the employee's active legal entities, by the entity's buyers (and admins), its
  committee and its requester.
- Quotes are sealed until the due date: `quotes_unsealed` is the one place their prices are read for people
  (pages, API, the comparison, the award); before the due date it refuses, whoever asks.
- Scores are independent: an evaluator sees only their own until every evaluator has scored or the buyer
  reveals them; then everyone on the request sees all of them and the weighted totals together.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from procurement.models import Employee, LegalEntity, Role, Supplier
from procurement.money import Money, line_total
from requisitions.models import Requisition, RequisitionLine
from requisitions.selectors import requisitions_visible

from .errors import NotAllowed, QuotesSealed, RFQNotFound
from .links import due_text
from .models import Criterion, Evaluator, Invitation, Quote, QuoteLine, RequestForQuotation, RFQLine, Score

BUYING_ROLES = (Role.BUYER, Role.ADMIN)


def _entities(employee: Employee) -> QuerySet[LegalEntity]:
    return employee.legal_entities.filter(is_active=True)


def is_buyer(*, employee: Employee, legal_entity_id: int) -> bool:
    """A buyer (or admin, or superuser) who is a member of the entity: makes, sends and awards its requests."""
    if not employee.legal_entities.filter(pk=legal_entity_id, is_active=True).exists():
        return False
    return employee.user.is_superuser or employee.roles.filter(code__in=BUYING_ROLES).exists()


def is_buyer_anywhere(*, employee: Employee) -> bool:
    return employee.user.is_superuser or employee.roles.filter(code__in=BUYING_ROLES).exists()


def rfqs_visible(*, employee: Employee) -> QuerySet[RequestForQuotation]:
    """Requests of the employee's entities that they buy for, evaluate or asked for."""
    requests = RequestForQuotation.objects.filter(legal_entity__in=_entities(employee).values("pk"))
    if is_buyer_anywhere(employee=employee):
        return requests
    return requests.filter(Q(evaluators__employee=employee) | Q(requester=employee)).distinct()


def rfq_get(*, employee: Employee, pk: int | str) -> RequestForQuotation:
    request = (
        rfqs_visible(employee=employee)
        .select_related("legal_entity", "buyer__user", "requester__user", "requisition", "award_requisition")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise RFQNotFound(_("There is no request for quotation %(id)s that you may see.") % {"id": pk})
    return request


def buyer_check(*, employee: Employee, rfq: RequestForQuotation) -> None:
    if not is_buyer(employee=employee, legal_entity_id=rfq.legal_entity_id):
        raise NotAllowed(
            _("Only a buyer of %(code)s may do this with %(number)s.")
            % {"code": rfq.legal_entity.code, "number": rfq.number}
        )


def evaluator_of(*, employee: Employee, rfq: RequestForQuotation) -> Evaluator | None:
    return Evaluator.objects.filter(rfq=rfq, employee=employee).first()


def rfq_lines(*, rfq: RequestForQuotation) -> QuerySet[RFQLine]:
    return rfq.lines.order_by("line_number")


def invitations_of(*, rfq: RequestForQuotation) -> QuerySet[Invitation]:
    return rfq.invitations.select_related("supplier").order_by("supplier__name", "pk")


def quote_counts(*, rfq: RequestForQuotation) -> tuple[int, int]:
    """How many of the invited suppliers have quoted, of how many: all anyone learns before the due date."""
    return Quote.objects.filter(rfq=rfq).count(), rfq.invitations.count()


def quote_of_invitation(*, invitation: Invitation) -> Quote | None:
    """The supplier's own quote, for its quote page (the supplier sees its own prices, nobody else's)."""
    return Quote.objects.filter(invitation=invitation).prefetch_related("lines").first()


def suppliers_invitable() -> QuerySet[Supplier]:
    return Supplier.objects.filter(is_active=True).order_by("name")


def evaluators_selectable(*, legal_entity_id: int) -> QuerySet[Employee]:
    return (
        Employee.objects.filter(legal_entities=legal_entity_id, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def requisition_lines_to_quote(
    *, employee: Employee, requisition_pk: int | str
) -> tuple[Requisition, list[RequisitionLine]]:
    """A requisition the employee may see and its lines that need a price: free-text lines and lines at 0."""
    requisition = requisitions_visible(employee=employee).filter(pk=requisition_pk).first()
    if requisition is None:
        raise RFQNotFound(_("There is no requisition %(id)s that you may see.") % {"id": requisition_pk})
    lines = [
        line
        for line in requisition.lines.order_by("line_number")
        if line.source == RequisitionLine.Source.FREE_TEXT or line.unit_price_minor == 0
    ]
    return requisition, lines


def requisitions_to_quote(*, employee: Employee, legal_entity: LegalEntity, limit: int = 50) -> list[Requisition]:
    """Open requisitions of the entity (draft or returned) the employee may see that have lines needing a price:
    the buyer's way to start a request from one."""
    unpriced = RequisitionLine.objects.filter(
        Q(source=RequisitionLine.Source.FREE_TEXT) | Q(unit_price_minor=0)
    ).values("requisition_id")
    return list(
        requisitions_visible(employee=employee)
        .filter(legal_entity=legal_entity, status__in=Requisition.EDITABLE, pk__in=unpriced)
        .select_related("requester__user")
        .order_by("-updated_at", "-pk")[:limit]
    )


def _may_see_quotes(employee: Employee, rfq: RequestForQuotation) -> bool:
    return (
        is_buyer(employee=employee, legal_entity_id=rfq.legal_entity_id)
        or rfq.evaluators.filter(employee=employee).exists()
    )


def quotes_unsealed(*, rfq: RequestForQuotation, employee: Employee, now: datetime | None = None) -> list[Quote]:
    """The quotes of the request with their lines, for its buyers and committee: refused (`QuotesSealed`) before
    the due date, whoever asks."""
    if not rfq.is_due(now):
        raise QuotesSealed(
            _("Quotes of %(number)s are sealed until its due date, %(due)s.")
            % {"number": rfq.number, "due": due_text(rfq)}
        )
    if not _may_see_quotes(employee, rfq):
        raise NotAllowed(_("Only the buyers and the committee of %(number)s see its quotes.") % {"number": rfq.number})
    return list(
        Quote.objects.filter(rfq=rfq)
        .select_related("invitation__supplier")
        .prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.select_related("rfq_line")))
        .order_by("invitation__supplier__name", "pk")
    )


@dataclass
class Cell:
    quote: Quote
    line: QuoteLine | None
    lowest: bool = False

    @property
    def total(self) -> Money | None:
        if self.line is None:
            return None
        return line_total(quantity=self.line.rfq_line.quantity, unit_price=self.line.unit_price)


@dataclass
class ComparisonRow:
    line: RFQLine
    cells: list[Cell]
    awarded_quote_line_id: int | None = None


@dataclass
class Comparison:
    rfq: RequestForQuotation
    quotes: list[Quote]
    rows: list[ComparisonRow]


def comparison(*, rfq: RequestForQuotation, employee: Employee, now: datetime | None = None) -> Comparison:
    """Lines × suppliers with each quoted price, the lowest of each line marked (ties all marked)."""
    quotes = quotes_unsealed(rfq=rfq, employee=employee, now=now)
    by_line: dict[tuple[int, int], QuoteLine] = {}
    for quote in quotes:
        for quote_line in quote.lines.all():
            quote_line.quote = quote
            by_line[(quote.pk, quote_line.rfq_line_id)] = quote_line
    awarded = dict(rfq.awards.values_list("rfq_line_id", "quote_line_id"))
    rows = []
    for line in rfq_lines(rfq=rfq):
        cells = [Cell(quote=quote, line=by_line.get((quote.pk, line.pk))) for quote in quotes]
        prices = [cell.line.unit_price_minor for cell in cells if cell.line is not None]
        for cell in cells:
            cell.lowest = cell.line is not None and cell.line.unit_price_minor == min(prices)
        rows.append(ComparisonRow(line=line, cells=cells, awarded_quote_line_id=awarded.get(line.pk)))
    return Comparison(rfq=rfq, quotes=quotes, rows=rows)


def scores_revealed(*, rfq: RequestForQuotation) -> bool:
    return rfq.scores_revealed_at is not None


@dataclass
class QuoteResult:
    """One quote's scores once revealed: the mean per criterion and the weighted total out of 100."""

    quote: Quote
    means: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal(0)


@dataclass
class Evaluation:
    evaluators: list[Evaluator]
    mine: dict[tuple[int, str], int]  # (quote id, criterion) → my score
    revealed: bool
    results: list[QuoteResult]  # empty until revealed
    all_scores: list[Score]  # empty until revealed


TWO_PLACES = Decimal("0.01")


def weighted_total(*, means: dict[str, Decimal], weights: dict[str, int]) -> Decimal:
    """Σ mean score (0–10) × weight (adding up to 100) / 10: a total out of 100, to 2 decimals."""
    total = sum((means.get(criterion, Decimal(0)) * weight for criterion, weight in weights.items()), Decimal(0))
    return (total / 10).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def evaluation(*, rfq: RequestForQuotation, employee: Employee, now: datetime | None = None) -> Evaluation:
    """What the employee may see of the committee's work: their own scores always; everybody's, the means and
    the weighted totals only once revealed."""
    quotes = quotes_unsealed(rfq=rfq, employee=employee, now=now)
    evaluators = list(rfq.evaluators.select_related("employee__user").order_by("employee__user__username"))
    me = next((evaluator for evaluator in evaluators if evaluator.employee_id == employee.pk), None)
    mine = (
        {(score.quote_id, score.criterion): score.value for score in Score.objects.filter(evaluator=me)}
        if me is not None
        else {}
    )
    if not scores_revealed(rfq=rfq):
        return Evaluation(evaluators=evaluators, mine=mine, revealed=False, results=[], all_scores=[])
    scores = list(Score.objects.filter(evaluator__rfq=rfq).select_related("evaluator__employee__user").order_by("pk"))
    results = []
    for quote in quotes:
        exact: dict[str, Decimal] = {}
        for criterion in Criterion.values:
            values = [score.value for score in scores if score.quote_id == quote.pk and score.criterion == criterion]
            exact[criterion] = Decimal(sum(values)) / len(values) if values else Decimal(0)
        # The total is weighted from the exact means; only what is shown is rounded.
        results.append(
            QuoteResult(
                quote=quote,
                means={name: mean.quantize(TWO_PLACES, rounding=ROUND_HALF_UP) for name, mean in exact.items()},
                total=weighted_total(means=exact, weights=rfq.weights),
            )
        )
    results.sort(key=lambda result: (-result.total, result.quote.invitation.supplier.name))
    return Evaluation(evaluators=evaluators, mine=mine, revealed=True, results=results, all_scores=scores)
