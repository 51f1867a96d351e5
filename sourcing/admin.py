"""The admin reads requests for quotation; they are made, sent, scored and awarded on the sourcing pages.

Quotes are sealed until the due date in the admin too: a quote (and its lines and scores) of a request not yet
due is not listed at all.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .models import (
    Award,
    Evaluator,
    Invitation,
    Quote,
    QuoteLine,
    RequestForQuotation,
    RFQAttachment,
    RFQLine,
    Score,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RFQLineInline(admin.TabularInline[RFQLine, RequestForQuotation]):
    model = RFQLine
    extra = 0
    can_delete = False
    fields = ("line_number", "description", "quantity", "unit", "specification")
    readonly_fields = fields


@admin.register(RequestForQuotation)
class RequestForQuotationAdmin(ReadOnly):
    list_display = ["number", "legal_entity", "title", "status", "due_at", "buyer"]
    list_filter = ["legal_entity", "status"]
    search_fields = ["number", "title"]
    exclude = ["award_justification"]
    inlines = [RFQLineInline]


@admin.register(RFQLine)
class RFQLineAdmin(ReadOnly):
    list_display = ["rfq", "line_number", "description", "quantity", "unit"]


@admin.register(RFQAttachment)
class RFQAttachmentAdmin(ReadOnly):
    list_display = ["rfq", "filename", "content_type", "size", "uploaded_at"]
    exclude = ["content"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnly):
    list_display = ["rfq", "supplier", "sent_at", "expires_at", "outcome"]
    exclude = ["token_hash"]


class Unsealed(ReadOnly):
    """Only rows of requests whose due date has passed."""

    rfq_path = "rfq"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(**{f"{self.rfq_path}__due_at__lte": timezone.now()})


@admin.register(Quote)
class QuoteAdmin(Unsealed):
    list_display = ["rfq", "invitation", "submitted_at", "revision"]


@admin.register(QuoteLine)
class QuoteLineAdmin(Unsealed):
    rfq_path = "quote__rfq"
    list_display = ["quote", "rfq_line", "unit_price_minor", "lead_time_days", "valid_until"]


@admin.register(Evaluator)
class EvaluatorAdmin(ReadOnly):
    list_display = ["rfq", "employee", "submitted_at"]


@admin.register(Score)
class ScoreAdmin(Unsealed):
    rfq_path = "evaluator__rfq"
    list_display = ["evaluator", "quote", "criterion", "value"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(evaluator__rfq__scores_revealed_at__isnull=False)


@admin.register(Award)
class AwardAdmin(ReadOnly):
    list_display = ["rfq", "rfq_line", "quote_line", "requisition_line", "awarded_by", "awarded_at"]
