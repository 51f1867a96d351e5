from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from procurement.money import minor_text

from .decisions import actions
from .inbox import (
    INBOX_COLUMNS,
    LINE_QUANTITY_EXPONENT,
    InboxImpacts,
    InboxRow,
    inbox_item,
    inbox_moment,
    inbox_row_extras,
)
from .models import ApprovalChain


class ApproverViewSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    comment = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField()


class StageViewSerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField()
    name = serializers.CharField()
    reason = serializers.CharField()
    mode = serializers.ChoiceField(choices=["any", "all", "n_of_m"])
    required_count = serializers.IntegerField(source="required", help_text="How many must approve.")
    status = serializers.CharField()
    approvers = ApproverViewSerializer(many=True)


class ChainViewSerializer(serializers.Serializer[Any]):
    status = serializers.CharField(help_text="preview before submission, else pending/approved/rejected/…")
    total = serializers.SerializerMethodField()
    auto_approved = serializers.BooleanField()
    blocked = serializers.CharField(help_text="Why a rule blocks submission, if one does.")
    problems = serializers.ListField(child=serializers.CharField())
    stages = StageViewSerializer(many=True)

    def get_total(self, chain: Any) -> dict[str, str | None]:
        """The amount is null while a line's currency has no stored rate (see `problems`)."""
        return {"amount": chain.total, "currency": chain.currency}


class InboxRequisitionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    legal_entity = serializers.CharField(source="legal_entity.code")
    requester = serializers.CharField(source="requester.user.username")
    requester_name = serializers.CharField(source="requester.display_name")
    justification = serializers.CharField()
    line_count = serializers.IntegerField()
    total = serializers.SerializerMethodField()

    def get_total(self, requisition: Any) -> dict[str, str] | None:
        return requisition.total.as_api() if requisition.total is not None else None


class InboxStepSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    name = serializers.CharField()
    reason = serializers.CharField()
    mode = serializers.CharField()
    rule = serializers.CharField(source="rule.name", default=None)


class InboxLineSerializer(serializers.Serializer[Any]):
    line_number = serializers.IntegerField()
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=13, decimal_places=3)
    supplier = serializers.CharField(source="supplier.code", default=None)
    total = serializers.SerializerMethodField()

    def get_total(self, line: Any) -> dict[str, str]:
        return dict(line.total.as_api())


class BudgetImpactSerializer(serializers.Serializer[Any]):
    budget = serializers.CharField()
    control = serializers.CharField()
    this_requisition = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField(help_text="Left on the budget with this requisition counted.")
    left_now = serializers.SerializerMethodField(help_text="Left on the budget without this requisition.")

    def get_this_requisition(self, impact: Any) -> dict[str, str]:
        return dict(impact.this_requisition.as_api())

    def get_available(self, impact: Any) -> dict[str, str]:
        return dict(impact.available.as_api())

    def get_left_now(self, impact: Any) -> dict[str, str]:
        return dict(impact.left_now.as_api())


class InboxInvoiceLineSerializer(serializers.Serializer[Any]):
    line_number = serializers.IntegerField()
    description = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class InboxInvoiceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="invoice_id")
    number = serializers.CharField(help_text="The supplier's invoice number.")
    legal_entity = serializers.CharField()
    supplier = serializers.CharField(help_text="The supplier's code.")
    supplier_name = serializers.CharField()
    total = serializers.SerializerMethodField()
    variance = serializers.SerializerMethodField(
        help_text="The sum of the exception lines' differences from what was expected, each counted positive."
    )
    purchase_orders = serializers.ListField(child=serializers.CharField(), help_text="The orders it bills.")
    requesters = serializers.ListField(child=serializers.CharField(), help_text="Who ordered.")
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="The match's plain reasons: \"line 1 (Scale): unit price 8.40 vs 8.00 ordered, +5 % over the 2 % "
        'tolerance".',
    )
    lines = InboxInvoiceLineSerializer(many=True, help_text="The lines with an exception.")

    def get_total(self, invoice: Any) -> dict[str, str]:
        return dict(invoice.total.as_api())

    def get_variance(self, invoice: Any) -> dict[str, str]:
        return dict(invoice.variance.as_api())


class ActionSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["approve", "return", "reject"], help_text="The path: tasks/{id}/…/")
    label = serializers.CharField(  # type: ignore[assignment]  # the API field "label"; DRF pops declared fields
        help_text="Approve / Return / Reject, or Accept variance / Ask for a credit note / Reject invoice"
    )


_DATETIME = serializers.DateTimeField()
_QUANTITY = serializers.DecimalField(max_digits=13, decimal_places=3)


def _invoice(invoice: Any) -> dict[str, Any]:
    return {
        "id": invoice.invoice_id,
        "number": str(invoice.number),
        "legal_entity": str(invoice.legal_entity),
        "supplier": str(invoice.supplier),
        "supplier_name": str(invoice.supplier_name),
        "total": dict(invoice.total.as_api()),
        "variance": dict(invoice.variance.as_api()),
        "purchase_orders": [str(order) for order in invoice.purchase_orders],
        "requesters": [str(requester) for requester in invoice.requesters],
        "reasons": [str(reason) for reason in invoice.reasons],
        "lines": [
            {
                "line_number": line.line_number,
                "description": str(line.description),
                "reasons": [str(r) for r in line.reasons],
            }
            for line in invoice.lines
        ],
    }


class InboxItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="task_id", help_text="The task id to approve, reject or return.")
    created = serializers.DateTimeField()
    subject = serializers.ChoiceField(
        choices=["requisition", "invoice"], help_text="What is decided: a requisition, or an invoice on hold."
    )
    requisition = serializers.IntegerField(
        source="requisition.pk", allow_null=True, help_text="The requisition's id (null for an invoice)."
    )
    requisition_detail = InboxRequisitionSerializer(source="requisition", allow_null=True)
    invoice = InboxInvoiceSerializer(allow_null=True, help_text="The invoice on hold (null for a requisition).")
    actions = ActionSerializer(many=True)
    step = InboxStepSerializer()
    lines = InboxLineSerializer(many=True)
    budget_impact = BudgetImpactSerializer(many=True)
    chain_so_far = serializers.SerializerMethodField()

    def to_representation(self, item: Any) -> dict[str, Any]:
        """The fields declared above, written out by hand: a page of 100 tasks is read in one pass instead of
        through some 20 nested serializers per task (tests check both give the same)."""
        requisition = item.requisition
        invoice = item.invoice
        step = item.step
        # The three actions are the same for every task of a subject: translated once a page, not once a task.
        labels = self.__dict__.setdefault("_actions", {})
        if item.subject not in labels:
            labels[item.subject] = [{"decision": a["decision"], "label": str(a["label"])} for a in item.actions]
        return {
            "id": item.task_id,
            "created": _DATETIME.to_representation(item.created),
            "subject": item.subject,
            "requisition": requisition.pk if requisition is not None else None,
            "requisition_detail": None
            if requisition is None
            else {
                "id": requisition.id,
                "number": requisition.number,
                "title": requisition.title,
                "legal_entity": requisition.legal_entity.code,
                "requester": requisition.requester.user.username,
                "requester_name": requisition.requester.display_name,
                "justification": requisition.justification,
                "line_count": requisition.line_count,
                # The item's total is its requisition's (built once, not once per use).
                "total": item.total.as_api() if item.total is not None else None,
            },
            "invoice": None if invoice is None else _invoice(invoice),
            "actions": [dict(action) for action in labels[item.subject]],
            "step": {
                "id": step.id,
                "position": step.position,
                "name": step.name,
                "reason": step.reason,
                "mode": step.mode,
                "rule": step.rule.name if step.rule is not None else None,
            },
            "lines": [
                {
                    "line_number": line.line_number,
                    "description": line.description,
                    "quantity": _QUANTITY.to_representation(line.quantity),
                    "supplier": line.supplier.code if line.supplier is not None else None,
                    "total": dict(line.total.as_api()),
                }
                for line in item.lines
            ],
            "budget_impact": [
                {
                    "budget": str(impact.budget),
                    "control": str(impact.control),
                    "this_requisition": dict(impact.this_requisition.as_api()),
                    "available": dict(impact.available.as_api()),
                    "left_now": dict(impact.left_now.as_api()),
                }
                for impact in item.budget_impact
            ],
            "chain_so_far": self.get_chain_so_far(item),
        }

    def get_chain_so_far(self, item: Any) -> list[dict[str, Any]]:
        return [
            {
                "position": step.position,
                "name": step.name,
                "status": step.status,
                "decisions": [
                    {"approver": a.approver.user.username, "status": a.status, "comment": a.comment}
                    for a in step.decisions
                ],
            }
            for step in item.earlier_steps
        ]


class DecisionSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Required to reject or return."
    )


# The page query's columns as inbox_api_result unpacks them.
_ROW_NAMES = (
    "task_id",
    "created",
    "assignment_id",
    "step_id",
    "position",
    "step_name",
    "reason",
    "mode",
    "rule_name",
    "chain_id",
    "requisition_id",
    "invoice_id",
    "chain_total_minor",
    "chain_currency",
    "subject_summary",
    "number",
    "title",
    "justification",
    "line_count",
    "total_minor",
    "currency",
    "username",
    "first_name",
    "last_name",
    "entity_code",
    "extras",
)
assert tuple(INBOX_COLUMNS) == _ROW_NAMES, "approvals.inbox's page query changed its columns"
_REQUISITION = ApprovalChain.Subject.REQUISITION


class InboxApiResults:
    """Each row of an inbox page as InboxItemSerializer writes its item, straight from the page query's row (no
    item, no named tuples): `approval_inbox_rows(build=InboxApiResults())`, one per page. An invoice's task (rare,
    and its summary is a structure of its own) goes through the serializer; tests compare both on varied rows."""

    def __init__(self) -> None:
        self.serializer = InboxItemSerializer()
        # As DRF's DateTimeField: in the current time zone, ISO 8601 with "Z" for UTC.
        self.timezone = timezone.get_current_timezone()
        self.iso = str(api_settings.DATETIME_FORMAT).lower() == ISO_8601
        self.actions: list[dict[str, str]] | None = None

    def __call__(self, row: InboxRow, impacts: InboxImpacts) -> dict[str, Any]:
        (
            task_id,
            created,
            _assignment_id,
            step_id,
            position,
            step_name,
            reason,
            mode,
            rule_name,
            _chain_id,
            requisition_id,
            _invoice_id,
            _chain_total_minor,
            _chain_currency,
            _subject_summary,
            number,
            title,
            justification,
            line_count,
            total_minor,
            currency,
            username,
            first_name,
            last_name,
            entity_code,
            _extras,
        ) = row
        if requisition_id is None:
            return self.serializer.to_representation(inbox_item(row, impacts))
        if self.actions is None:
            self.actions = [{"decision": a["decision"], "label": str(a["label"])} for a in actions(_REQUISITION)]
        lines, earlier, decisions = inbox_row_extras(row)
        decided: dict[int, list[tuple[int, dict[str, str]]]] = {}
        for step, decision_id, approver, _first_name, _last_name, status, comment, _at in decisions:
            decided.setdefault(step, []).append(
                (decision_id, {"approver": approver, "status": status, "comment": comment})
            )
        return {
            "id": task_id,
            "created": self.moment(created),
            "subject": _REQUISITION,
            "requisition": requisition_id,
            "requisition_detail": {
                "id": requisition_id,
                "number": number,
                "title": title,
                "legal_entity": entity_code,
                "requester": username,
                "requester_name": f"{first_name} {last_name}".strip() or username,
                "justification": justification,
                "line_count": line_count,
                "total": None
                if total_minor is None
                else {"amount": minor_text(total_minor, currency), "currency": currency},
            },
            "invoice": None,
            "actions": [dict(action) for action in self.actions],
            "step": {
                "id": step_id,
                "position": position,
                "name": step_name,
                "reason": reason,
                "mode": mode,
                "rule": rule_name,
            },
            "lines": [
                {
                    "line_number": line_number,
                    "description": description,
                    "quantity": _QUANTITY.to_representation(Decimal(quantity).quantize(LINE_QUANTITY_EXPONENT)),
                    "supplier": supplier,
                    "total": {"amount": minor_text(line_total, line_currency), "currency": line_currency},
                }
                for line_number, description, quantity, supplier, line_total, line_currency in sorted(lines)
            ],
            "budget_impact": [
                {
                    "budget": str(impact.budget),
                    "control": str(impact.control),
                    "this_requisition": dict(impact.this_requisition.as_api()),
                    "available": dict(impact.available.as_api()),
                    "left_now": dict(impact.left_now.as_api()),
                }
                for impact in impacts.get(requisition_id, ())
            ],
            "chain_so_far": [
                {
                    "position": step_position,
                    "name": name,
                    "status": status,
                    "decisions": [decision for _id, decision in sorted(decided.get(step, ()), key=_first)],
                }
                for step_position, step, name, status in sorted(earlier)
            ],
        }

    def moment(self, value: datetime | str) -> Any:
        moment = inbox_moment(value)
        if not self.iso:
            return _DATETIME.to_representation(moment)
        text = moment.astimezone(self.timezone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


def _first(pair: tuple[int, Any]) -> int:
    return pair[0]
