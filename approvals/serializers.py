from typing import Any

from rest_framework import serializers


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

    def get_chain_so_far(self, item: Any) -> list[dict[str, Any]]:
        return [
            {
                "position": step.position,
                "name": step.name,
                "status": step.status,
                "decisions": [
                    {"approver": a.approver.user.username, "status": a.status, "comment": a.comment}
                    for a in step.approvers.all()
                    if a.decided_at
                ],
            }
            for step in item.earlier_steps
        ]


class DecisionSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Required to reject or return."
    )
