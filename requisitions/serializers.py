"""API shapes of requisitions (DESIGN.md "API shapes"): amounts as decimal strings with a currency."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from procurement.money import Money, decimal_text
from procurement.serializers import MoneySerializer

from .models import ImportJob, Requisition, RequisitionEvent, RequisitionLine, RequisitionList, RequisitionListItem
from .selectors import minimum_order_shortfalls


class SplitSerializer(serializers.Serializer[Any]):
    cost_centre = serializers.CharField(max_length=30)
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal(100), coerce_to_string=True
    )
    gl_account = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    project = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class RequisitionLineSerializer(serializers.ModelSerializer[RequisitionLine]):
    sku = serializers.CharField(source="supplier_part_id", read_only=True)
    supplier = serializers.SerializerMethodField()
    cost_centre = serializers.SerializerMethodField()
    unit_price = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    tax = serializers.SerializerMethodField()
    tax_rate = serializers.SerializerMethodField()
    quantity = serializers.DecimalField(max_digits=13, decimal_places=3, coerce_to_string=True, read_only=True)
    splits = serializers.SerializerMethodField()

    class Meta:
        model = RequisitionLine
        fields = [
            "id",
            "line_number",
            "sku",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "total",
            "tax",
            "tax_rate",
            "tax_category",
            "tax_code",
            "source",
            "supplier",
            "cost_centre",
            "gl_account",
            "project",
            "splits",
            "unspsc",
            "lead_time_days",
            "supplier_part_auxiliary_id",
            "price_basis_quantity",
            "supplier_note",
            "extrinsics",
        ]
        read_only_fields = fields

    def get_supplier(self, line: RequisitionLine) -> str | None:
        return line.supplier.code if line.supplier else None

    def get_cost_centre(self, line: RequisitionLine) -> str | None:
        return line.cost_centre.code if line.cost_centre else None

    @extend_schema_field(MoneySerializer)
    def get_unit_price(self, line: RequisitionLine) -> dict[str, str]:
        return line.unit_price.as_api()

    @extend_schema_field(MoneySerializer)
    def get_total(self, line: RequisitionLine) -> dict[str, str]:
        return line.total.as_api()

    @extend_schema_field(MoneySerializer)
    def get_tax(self, line: RequisitionLine) -> dict[str, str]:
        return line.tax.as_api()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_tax_rate(self, line: RequisitionLine) -> str | None:
        """The VAT rate in percent ("20", "5.5"), null when no tax is known."""
        return None if line.tax_rate is None else decimal_text(line.tax_rate)

    @extend_schema_field(SplitSerializer(many=True))
    def get_splits(self, line: RequisitionLine) -> list[dict[str, str]]:
        return [
            {
                "cost_centre": split.cost_centre.code,
                "percent": str(split.percent),
                "gl_account": split.gl_account,
                "project": split.project,
            }
            for split in line.splits.all()
        ]


class MinimumOrderWarningSerializer(serializers.Serializer[Any]):
    contract = serializers.CharField(help_text="The framework agreement's number.")
    supplier = serializers.CharField()
    minimum = MoneySerializer()
    ordered = MoneySerializer(help_text="What the requisition's lines priced from it add up to.")
    missing = MoneySerializer()


class RequisitionSerializer(serializers.ModelSerializer[Requisition]):
    legal_entity = serializers.CharField(source="legal_entity.code", read_only=True)
    requester = serializers.CharField(source="requester.user.username", read_only=True)
    on_behalf_of = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    totals_by_currency = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    minimum_order_warnings = serializers.SerializerMethodField(
        help_text="For a requisition still being edited, read with its lines: each framework agreement that priced "
        "some lines and whose minimum order value they do not reach (the supplier may refuse or surcharge the "
        "order; submitting is not stopped). Empty in lists."
    )
    ship_to: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(read_only=True)

    total_rates = serializers.JSONField(
        read_only=True,
        help_text='The stored rates the total was converted at, per line currency: {"SEK": "0.089"} means '
        "1 SEK = 0.089 in the requisition's currency; null for a currency without a stored rate (total is null).",
    )

    class Meta:
        model = Requisition
        fields = [
            "id",
            "number",
            "status",
            "title",
            "justification",
            "supplier_note",
            "needed_by",
            "legal_entity",
            "currency",
            "requester",
            "on_behalf_of",
            "ship_to",
            "total",
            "total_rates",
            "totals_by_currency",
            "line_count",
            "lines",
            "minimum_order_warnings",
            "created_at",
            "updated_at",
            "submitted_at",
        ]
        read_only_fields = fields

    def get_on_behalf_of(self, requisition: Requisition) -> str | None:
        return requisition.on_behalf_of.user.username if requisition.on_behalf_of else None

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_total(self, requisition: Requisition) -> dict[str, str] | None:
        total = requisition.total
        return total.as_api() if total is not None else None

    @extend_schema_field(MoneySerializer(many=True))
    def get_totals_by_currency(self, requisition: Requisition) -> list[dict[str, str]]:
        totals: list[Money] = self.context.get("totals_by_currency", {}).get(requisition.pk, [])
        return [total.as_api() for total in totals]

    @extend_schema_field(RequisitionLineSerializer(many=True))
    def get_lines(self, requisition: Requisition) -> list[dict[str, Any]]:
        lines = self.context.get("lines", {}).get(requisition.pk)
        if lines is None:
            return []
        return list(RequisitionLineSerializer(lines, many=True).data)

    @extend_schema_field(MinimumOrderWarningSerializer(many=True))
    def get_minimum_order_warnings(self, requisition: Requisition) -> list[dict[str, Any]]:
        lines = self.context.get("lines", {}).get(requisition.pk)
        if lines is None or not requisition.is_editable:
            return []
        return [
            {
                "contract": shortfall.contract_number,
                "supplier": shortfall.supplier_name,
                "minimum": shortfall.minimum.as_api(),
                "ordered": shortfall.ordered.as_api(),
                "missing": shortfall.missing.as_api(),
            }
            for shortfall in minimum_order_shortfalls(lines=lines)
        ]


class RequisitionCreateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    legal_entity = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    justification = serializers.CharField(required=False, allow_blank=True, default="")
    needed_by = serializers.DateField(required=False, allow_null=True, default=None)
    supplier_note = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Printed on the purchase order and sent as cXML Comments; the justification stays internal.",
    )
    on_behalf_of = serializers.CharField(
        max_length=150,
        required=False,
        allow_null=True,
        default=None,
        help_text="Username of the colleague (of the same legal entity) the requisition is for; null: yourself.",
    )


class RequisitionUpdateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200, required=False)
    justification = serializers.CharField(required=False, allow_blank=True)
    needed_by = serializers.DateField(required=False, allow_null=True)
    supplier_note = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="Printed on the purchase order and sent as cXML Comments; the justification stays internal.",
    )
    ship_to = serializers.IntegerField(required=False, allow_null=True, help_text="Address id of the entity.")
    on_behalf_of = serializers.CharField(
        max_length=150,
        required=False,
        allow_null=True,
        help_text="Username of the colleague the requisition is for; null: yourself.",
    )


class LineCreateSerializer(serializers.Serializer[Any]):
    """A catalog line (`sku`, `quantity`) or a free-text line (`description`, `unit_price`, …)."""

    sku = serializers.CharField(max_length=64, required=False)
    supplier = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=13, decimal_places=3, min_value=Decimal("0.001"))
    description = serializers.CharField(max_length=500, required=False)
    unit = serializers.RegexField(r"^[A-Za-z0-9]{2,3}$", required=False, default="EA")
    unit_price = MoneySerializer(required=False)
    cost_centre = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    gl_account = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    project = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    unspsc = serializers.RegexField(r"^\d{8}$", required=False, allow_blank=True, default="")
    supplier_note = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="This line's note to the supplier (purchase order PDF, ItemOut Comments).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("sku"):
            return attrs
        missing = [field for field in ("description", "unit_price") if not attrs.get(field)]
        if missing:
            raise serializers.ValidationError(
                {
                    field: _("Give a sku for a catalog line, or a description and unit_price for a free-text line.")
                    for field in missing
                }
            )
        if Decimal(attrs["unit_price"]["amount"]) < 0:
            raise serializers.ValidationError({"unit_price": _("A price cannot be negative.")})
        return attrs


class LineUpdateSerializer(serializers.Serializer[Any]):
    quantity = serializers.DecimalField(max_digits=13, decimal_places=3, min_value=Decimal("0.001"), required=False)
    cost_centre = serializers.CharField(max_length=30, required=False)
    gl_account = serializers.CharField(max_length=20, required=False, allow_blank=True)
    project = serializers.CharField(max_length=40, required=False, allow_blank=True)
    description = serializers.CharField(max_length=500, required=False)
    unit = serializers.RegexField(r"^[A-Za-z0-9]{2,3}$", required=False)
    unit_price = MoneySerializer(required=False)
    splits = SplitSerializer(many=True, required=False)
    supplier_note = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="This line's note to the supplier (purchase order PDF, ItemOut Comments).",
    )


class QuickAddSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(
        allow_blank=False,
        trim_whitespace=False,
        help_text="Lines of `sku,quantity[,cost_centre]`; `;`, tab and spaces work too.",
    )


class QuickAddErrorSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField()
    message = serializers.CharField()


class QuickAddErrorGroupSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(help_text='What the lines share, e.g. "Unknown SKU".')
    count = serializers.IntegerField()
    lines = serializers.ListField(child=serializers.IntegerField())


class QuickAddResultSerializer(serializers.Serializer[Any]):
    """Every line read is added or not added: `lines_read` = `added` + `not_added`."""

    lines_read = serializers.IntegerField()
    added = serializers.IntegerField()
    not_added = serializers.IntegerField()
    error_groups = QuickAddErrorGroupSerializer(many=True)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # Declared here: a class attribute named `errors` would hide Serializer.errors.
        return {**super().get_fields(), "errors": QuickAddErrorSerializer(many=True)}


class UploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="CSV, TXT or XLSX: `sku,quantity[,cost_centre]`, header optional.")


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    requisition: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(read_only=True)
    percent = serializers.IntegerField(read_only=True)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {**super().get_fields(), "errors": QuickAddErrorSerializer(many=True, read_only=True)}

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "requisition",
            "filename",
            "status",
            "total_lines",
            "processed_lines",
            "percent",
            "added",
            "errors",
            "message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class CommentSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class MergeSerializer(serializers.Serializer[Any]):
    requisitions = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=1,
        max_length=50,
        help_text="Ids of the carts to merge into this one.",
    )


class MoveLinesSerializer(serializers.Serializer[Any]):
    lines = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=10000)
    to = serializers.IntegerField(help_text="Id of the cart the lines go to.")


class RequisitionEventSerializer(serializers.ModelSerializer[RequisitionEvent]):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = RequisitionEvent
        fields = ["id", "created_at", "actor", "kind", "from_status", "to_status", "comment", "data"]
        read_only_fields = fields


class RequisitionListItemSerializer(serializers.ModelSerializer[RequisitionListItem]):
    quantity = serializers.SerializerMethodField(help_text='Plain digits, e.g. "12" or "2.5".')
    supplier = serializers.SerializerMethodField()
    cost_centre = serializers.SerializerMethodField()
    unit_price = serializers.SerializerMethodField(help_text="The price when the list was saved.")
    available = serializers.SerializerMethodField(help_text="Whether the item is still in the catalog.")

    class Meta:
        model = RequisitionListItem
        fields = [
            "id",
            "position",
            "sku",
            "description",
            "quantity",
            "unit",
            "supplier",
            "unit_price",
            "cost_centre",
            "available",
        ]
        read_only_fields = fields

    def get_quantity(self, entry: RequisitionListItem) -> str:
        return entry.quantity_text

    def get_supplier(self, entry: RequisitionListItem) -> str | None:
        return entry.supplier.code if entry.supplier else None

    def get_cost_centre(self, entry: RequisitionListItem) -> str | None:
        return entry.cost_centre.code if entry.cost_centre else None

    @extend_schema_field(MoneySerializer)
    def get_unit_price(self, entry: RequisitionListItem) -> dict[str, str]:
        return Money.from_minor(entry.unit_price_minor, entry.currency).as_api()

    def get_available(self, entry: RequisitionListItem) -> bool:
        if entry.catalog_item_id is None:
            return not entry.sku  # a free-text item is always available; a SKU that left the catalog is not
        return bool(entry.catalog_item and entry.catalog_item.is_active)


class RequisitionListSerializer(serializers.ModelSerializer[RequisitionList]):
    owner = serializers.CharField(source="owner.user.username", read_only=True)
    legal_entity = serializers.CharField(source="legal_entity.code", read_only=True)
    shared_with = serializers.CharField(source="shared_with.code", read_only=True, default=None)
    item_count = serializers.IntegerField(read_only=True)
    items = RequisitionListItemSerializer(many=True, read_only=True)

    class Meta:
        model = RequisitionList
        fields = ["id", "name", "owner", "legal_entity", "shared_with", "item_count", "items", "created_at"]
        read_only_fields = fields


class ListItemCreateSerializer(serializers.Serializer[Any]):
    sku = serializers.CharField(max_length=64)
    supplier = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=13, decimal_places=3, min_value=Decimal("0.001"))
    cost_centre = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class RequisitionListCreateSerializer(serializers.Serializer[Any]):
    """From a requisition's lines (`requisition`), or from catalog items (`items`, with `legal_entity`)."""

    name = serializers.CharField(max_length=200)
    requisition = serializers.IntegerField(
        required=False, help_text="Id of the requisition whose lines the list keeps."
    )
    legal_entity = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    items = ListItemCreateSerializer(many=True, required=False, max_length=2000)  # type: ignore[call-arg]
    shared_with_org_unit = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("requisition" in attrs) == ("items" in attrs):
            raise serializers.ValidationError({"items": _("Give either a requisition or items.")})
        return attrs


class ListItemQuantitySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=13, decimal_places=3)


class RequisitionListUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False)
    items = ListItemQuantitySerializer(many=True, required=False, help_text="New quantities of items, by id.")
    remove = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=2000, help_text="Ids of items to remove."
    )
