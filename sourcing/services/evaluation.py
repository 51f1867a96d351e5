"""The committee's scores, each evaluator's own until all have scored or the buyer reveals them."""

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.events import audit_event_record
from procurement.models import Employee

from ..error_codes import SourcingErrorCode
from ..errors import NotAllowed, RFQInvalid, RFQStateConflict
from ..models import (
    SCORE_MAX,
    Criterion,
    Evaluator,
    RequestForQuotation,
    Score,
)
from ..selectors import buyer_check, quotes_unsealed
from .quotes import due_check
from .shared import (
    rfq_locked,
)


@transaction.atomic
def scores_submit(
    *, rfq: RequestForQuotation, by: Employee, scores: Mapping[tuple[int, str], int], now: datetime | None = None
) -> Evaluator:
    """Record an evaluator's scores (0–10 for every quote on every criterion), alone: nobody sees them until
    every evaluator has scored (then they are revealed together) or the buyer reveals them. An evaluator may
    change their scores until then."""
    locked = rfq_locked(rfq)
    now = now or timezone.now()
    due_check(locked, now)
    evaluator = Evaluator.objects.filter(rfq=locked, employee=by).first()
    if evaluator is None:
        raise NotAllowed(
            _("You are not on the committee of %(number)s.") % {"number": locked.number},
            code=SourcingErrorCode.NOT_AN_EVALUATOR,
        )
    if locked.scores_revealed_at is not None:
        raise RFQStateConflict(
            _("The scores of %(number)s have been revealed: they can no longer be changed.") % {"number": locked.number}
        )
    quotes = quotes_unsealed(rfq=locked, employee=by, now=now)
    if not quotes:
        raise RFQStateConflict(_("No supplier quoted: there is nothing to score."), code=SourcingErrorCode.NO_QUOTES)
    quote_ids = {quote.pk: quote for quote in quotes}
    unknown = [key for key in scores if key[0] not in quote_ids or key[1] not in Criterion.values]
    if unknown:
        raise RFQInvalid(
            _("Scores are given for quotes or criteria that %(number)s does not have.") % {"number": locked.number}
        )
    rows = []
    for quote in quotes:
        for criterion in Criterion.values:
            value = scores.get((quote.pk, criterion))
            name = quote.invitation.supplier.name
            if value is None:
                raise RFQInvalid(
                    _("Score %(supplier)s on %(criterion)s.")
                    % {"supplier": name, "criterion": Criterion(criterion).label.lower()},
                    field=f"score-{quote.pk}-{criterion}",
                )
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SCORE_MAX:
                raise RFQInvalid(
                    _("%(supplier)s, %(criterion)s: a score is a whole number from 0 to 10.")
                    % {"supplier": name, "criterion": Criterion(criterion).label.lower()},
                    field=f"score-{quote.pk}-{criterion}",
                )
            rows.append(Score(evaluator=evaluator, quote=quote, criterion=criterion, value=value))
    evaluator.scores.all().delete()
    Score.objects.bulk_create(rows)
    evaluator.submitted_at = now
    evaluator.save(update_fields=["submitted_at"])
    audit_event_record(
        event_type="sourcing.scores.submitted",
        actor=by.user,
        legal_entity=locked.legal_entity,
        obj=locked,
        data={"evaluator": by.user.username, "quotes": len(quotes)},
    )
    if not locked.evaluators.filter(submitted_at__isnull=True).exists():
        _reveal(locked, by=None, now=now, reason="all scored")
    return evaluator


def _reveal(rfq: RequestForQuotation, *, by: Employee | None, now: datetime, reason: str) -> None:
    rfq.scores_revealed_at = now
    rfq.save(update_fields=["scores_revealed_at"])
    audit_event_record(
        event_type="sourcing.scores.revealed",
        actor=by.user if by else None,
        legal_entity=rfq.legal_entity,
        obj=rfq,
        data={
            "reason": reason,
            "scored": list(
                rfq.evaluators.filter(submitted_at__isnull=False).values_list("employee__user__username", flat=True)
            ),
        },
    )


@transaction.atomic
def scores_reveal(*, rfq: RequestForQuotation, by: Employee, now: datetime | None = None) -> RequestForQuotation:
    """The buyer reveals the committee's scores before everyone has scored (someone is away)."""
    locked = rfq_locked(rfq)
    buyer_check(employee=by, rfq=locked)
    now = now or timezone.now()
    due_check(locked, now)
    if locked.scores_revealed_at is None:
        _reveal(locked, by=by, now=now, reason="revealed by the buyer")
    return locked
