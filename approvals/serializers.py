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

    def get_total(self, chain: Any) -> dict[str, str]:
        return {"amount": chain.total, "currency": chain.currency}
