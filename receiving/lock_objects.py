"""Row locks of goods receipts. A reversal locks the order first (orders.lock_objects), then the receipt."""

from django.db.models import QuerySet

from .models import GoodsReceipt


def goods_receipts_qs_select_for_update() -> QuerySet[GoodsReceipt]:
    return GoodsReceipt.objects.select_for_update().order_by("pk")
