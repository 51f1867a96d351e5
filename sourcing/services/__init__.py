"""Writes of requests for quotation: save a draft, attach a file, send the invitations, take a supplier's quote,
record an evaluator's scores, reveal them, award per line (the award becomes requisition lines), cancel.

Each write locks the request first (`lock_objects`), owns its transaction and records an audit event in it;
e-mails are queued on commit. Audit rows of quotes never carry prices: they are sealed until the due date.
"""

from .awards import rfq_award
from .drafts import rfq_attachment_add, rfq_create, rfq_update
from .evaluation import scores_reveal, scores_submit
from .quotes import quote_submit
from .sending import rfq_cancel, rfq_send
from .shared import (
    ATTACHMENT_BYTES_MAX,
    ATTACHMENTS_MAX,
    COMMENT_MAX,
    DESCRIPTION_MAX,
    DUE_DAYS_MAX,
    EVALUATORS_MAX,
    LINES_MAX,
    NOTE_MAX,
    QUANTITY_STEP,
    SUPPLIERS_MAX,
    TEXT_MAX,
    TITLE_MAX,
    VALIDITY_DAYS_MAX,
    AwardChoice,
    QuoteLineInput,
    RFQLineInput,
    RFQSpec,
)

__all__ = [
    "ATTACHMENTS_MAX",
    "ATTACHMENT_BYTES_MAX",
    "COMMENT_MAX",
    "DESCRIPTION_MAX",
    "DUE_DAYS_MAX",
    "EVALUATORS_MAX",
    "LINES_MAX",
    "NOTE_MAX",
    "QUANTITY_STEP",
    "SUPPLIERS_MAX",
    "TEXT_MAX",
    "TITLE_MAX",
    "VALIDITY_DAYS_MAX",
    "AwardChoice",
    "QuoteLineInput",
    "RFQLineInput",
    "RFQSpec",
    "quote_submit",
    "rfq_attachment_add",
    "rfq_award",
    "rfq_cancel",
    "rfq_create",
    "rfq_send",
    "rfq_update",
    "scores_reveal",
    "scores_submit",
]
