"""A buyer uploads a supplier's catalog: each line is checked, the file is diffed against the live catalog
(new, changed, unchanged, removed), price increases over the threshold are flagged, and nothing reaches the live
catalog until a buyer approves."""

from decimal import Decimal

import pytest

from catalogs.errors import CatalogUploadHasErrors, CatalogUploadInvalid, NotAllowedToDecide
from catalogs.models import CatalogUpload, CatalogUploadLine
from catalogs.selectors import catalog_upload_lines
from catalogs.services import catalog_upload_publish, catalog_upload_reject
from procurement.models import AuditEvent, CatalogItem

from .conftest import csv_of, upload_file

S = CatalogUpload.Status


def kinds(upload: CatalogUpload) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in catalog_upload_lines(upload=upload):
        found.setdefault(line.kind, []).append(line.sku)
    return found


def test_a_csv_upload_is_diffed_against_the_live_catalog_and_a_price_increase_is_flagged(
    shop, live_catalog, django_capture_on_commit_callbacks
):
    """Given PEN 10.00, PAD 20.00, INK 5.00 live, when a file gives PEN at 11,50 (+15 %), PAD as it is and a new
    CLIP, then PEN is changed and flagged, PAD unchanged, CLIP new, INK removed; nothing is published yet."""
    content = csv_of(
        "PEN;Ballpoint pen;44121704;EA;11,50;EUR;;;;;",
        "PAD;Writing pad;44121704;EA;20.00;EUR;;;;;",
        "CLIP;Paper clips, box of 100;44122104;BX;2,40;EUR;100;2;4;https://example.com/clip.jpg;",
    )

    upload = upload_file(shop, django_capture_on_commit_callbacks, content)

    assert upload.status == S.VALIDATED
    assert (upload.total_lines, upload.new_count, upload.changed_count, upload.unchanged_count) == (3, 1, 1, 1)
    assert (upload.removed_count, upload.error_lines, upload.flagged_count) == (1, 0, 1)
    assert kinds(upload) == {"changed": ["PEN"], "unchanged": ["PAD"], "new": ["CLIP"], "removed": ["INK"]}
    pen = catalog_upload_lines(upload=upload, kind="flagged").get()
    assert (pen.sku, pen.old_price_minor, pen.price_minor, pen.changes) == ("PEN", 1000, 1150, ["base_price_minor"])
    assert CatalogItem.objects.get(sku="PEN").base_price_minor == 1000
    assert not CatalogItem.objects.filter(sku="CLIP").exists()


def test_an_increase_at_the_threshold_is_not_flagged_and_the_threshold_is_per_upload(
    shop, live_catalog, django_capture_on_commit_callbacks
):
    """Given the default 10 %, PEN at 11.00 (+10 % exactly) is not flagged; with 5 % for this upload it is."""
    content = csv_of("PEN;Ballpoint pen;44121704;EA;11.00;EUR;;;;;")

    default = upload_file(shop, django_capture_on_commit_callbacks, content)
    strict = upload_file(shop, django_capture_on_commit_callbacks, content, price_increase_flag_percent="5")

    assert (default.price_increase_flag_percent, default.flagged_count) == (Decimal("10.00"), 0)
    assert (strict.price_increase_flag_percent, strict.flagged_count) == (Decimal("5"), 1)


def test_each_bad_line_says_what_is_wrong(shop, live_catalog, django_capture_on_commit_callbacks):
    content = csv_of(
        "PEN;Ballpoint pen;44121704;EACH;10.00;EUR;;;;;",
        "PAD;Writing pad;4412;EA;20.00;EUR;;;;;",
        "INK;Ink;44121704;EA;-5.00;EUR;;;;;",
        "CLIP;Clips;44122104;EA;2.40;USD;;;;;",
        "PEN;Ballpoint pen again;44121704;EA;10.00;EUR;;;;;",
        "GLUE;Glue;44122104;EA;1.234;EUR;;;;;",
        "TAPE;Tape;44122104;EA;1E3;EUR;;;;;",
        "BOX;Box;44122104;EA;3.00;EUR;;2;3;ftp://example.com/x.jpg;",
    )

    upload = upload_file(shop, django_capture_on_commit_callbacks, content)

    errors = {line.line_number: line.errors for line in catalog_upload_lines(upload=upload, kind="errors")}
    assert errors == {
        2: ["The unit must be a UN/CEFACT code such as EA or C62, not “EACH”."],
        3: ["The UNSPSC code must have 8 digits, not “4412”."],
        4: ["A price cannot be negative."],
        5: ["The price is in USD; this supplier sells in EUR."],
        6: ["The SKU PEN is also on line 2."],
        7: ["1.234 has more decimals than EUR has (2)."],
        8: ["The price must be a number such as 12.50, not “1E3”."],
        9: [
            "The minimum quantity 3 is not a whole multiple of the order multiple 2.",
            "image_url must be an http(s) address of at most 500 characters.",
        ],
    }
    assert (upload.status, upload.error_lines, upload.total_lines) == (S.VALIDATED, 8, 8)


def test_a_file_without_the_required_columns_fails_with_why(shop, django_capture_on_commit_callbacks):
    upload = upload_file(shop, django_capture_on_commit_callbacks, b"sku;name;price\nPEN;Pen;1.00\n")

    assert upload.status == S.FAILED
    assert upload.message == "Columns are missing from the header: unspsc, unit."


def test_a_buyer_publishes_new_changed_and_removed_items(shop, live_catalog, django_capture_on_commit_callbacks):
    """Given the diff approved by frank, then PEN costs 11.50, CLIP is live with its pack and media, INK is
    deactivated (not deleted), and one audit event counts what changed."""
    content = csv_of(
        "PEN;Ballpoint pen;44121704;EA;11,50;EUR;;;;;",
        "PAD;Writing pad;44121704;EA;20.00;EUR;;;;;",
        "CLIP;Paper clips;44122104;BX;2,40;EUR;100;2;4;https://example.com/clip.jpg;https://example.com/clip.pdf",
    )
    upload = upload_file(shop, django_capture_on_commit_callbacks, content, by=shop.carol)

    with django_capture_on_commit_callbacks(execute=True):
        catalog_upload_publish(upload=upload, by=shop.frank, comment="Winter prices agreed")
    upload.refresh_from_db()

    assert (upload.status, upload.published_lines, upload.decided_by) == (S.PUBLISHED, 3, shop.frank)
    items = {item.sku: item for item in CatalogItem.objects.filter(supplier=shop.supplier)}
    assert (items["PEN"].base_price_minor, items["PEN"].is_active) == (1150, True)
    assert (items["INK"].is_active, items["PAD"].base_price_minor) == (False, 2000)
    clip = items["CLIP"]
    assert (clip.name, clip.unit, clip.base_price_minor, clip.currency) == ("Paper clips", "BX", 240, "EUR")
    assert (clip.pack_size, clip.order_multiple, clip.minimum_quantity) == (Decimal(100), Decimal(2), Decimal(4))
    assert (clip.image_url, clip.datasheet_url) == ("https://example.com/clip.jpg", "https://example.com/clip.pdf")
    event = AuditEvent.objects.get(event_type="procurement.catalog.published")
    assert event.data == {"created": 1, "updated": 1, "deactivated": 1, "catalog_upload": upload.pk, "format": "csv"}


def test_only_a_buyer_decides_and_an_upload_with_errors_is_not_published(
    shop, live_catalog, django_capture_on_commit_callbacks
):
    good = upload_file(shop, django_capture_on_commit_callbacks, csv_of("PEN;Pen;44121704;EA;12.00;EUR;;;;;"))
    bad = upload_file(shop, django_capture_on_commit_callbacks, csv_of("PEN;Pen;44121704;EA;x;EUR;;;;;"))

    with pytest.raises(NotAllowedToDecide) as refused:
        catalog_upload_publish(upload=good, by=shop.carol)
    with pytest.raises(CatalogUploadHasErrors) as has_errors:
        catalog_upload_publish(upload=bad, by=shop.frank)

    assert refused.value.message == "Only a buyer approves or rejects a catalog upload."
    assert has_errors.value.message == (
        "1 lines have errors: reject the upload and ask the supplier for a corrected file."
    )
    assert CatalogItem.objects.get(sku="PEN").base_price_minor == 1000


def test_a_rejected_upload_changes_nothing(shop, live_catalog, django_capture_on_commit_callbacks):
    upload = upload_file(shop, django_capture_on_commit_callbacks, csv_of("PEN;Pen;44121704;EA;99.00;EUR;;;;;"))

    catalog_upload_reject(upload=upload, by=shop.frank, comment="Not agreed")
    upload.refresh_from_db()

    assert (upload.status, upload.decision_comment) == (S.REJECTED, "Not agreed")
    assert CatalogItem.objects.get(sku="PEN").base_price_minor == 1000
    assert CatalogItem.objects.filter(is_active=True).count() == 3


def test_an_upload_approved_after_the_live_catalog_moved_is_checked_again(
    shop, live_catalog, django_capture_on_commit_callbacks
):
    """Given two uploads awaiting approval, when the first is published, then publishing the second checks it
    again against the new live catalog instead of writing the diff frank saw."""
    first = upload_file(shop, django_capture_on_commit_callbacks, csv_of("PEN;Pen;44121704;EA;12.00;EUR;;;;;"))
    second = upload_file(shop, django_capture_on_commit_callbacks, csv_of("PEN;Pen;44121704;EA;13.00;EUR;;;;;"))
    with django_capture_on_commit_callbacks(execute=True):
        catalog_upload_publish(upload=first, by=shop.frank)

    with django_capture_on_commit_callbacks(execute=True):
        catalog_upload_publish(upload=second, by=shop.frank)
    second.refresh_from_db()

    assert second.status == S.VALIDATED
    line = catalog_upload_lines(upload=second).get()
    assert (line.kind, line.old_price_minor, line.price_minor) == ("changed", 1200, 1300)
    assert CatalogItem.objects.get(sku="PEN").base_price_minor == 1200


def test_a_requester_cannot_upload_and_a_bad_threshold_is_refused(shop, django_capture_on_commit_callbacks):
    with pytest.raises(NotAllowedToDecide):
        upload_file(shop, django_capture_on_commit_callbacks, csv_of(), by=shop.alice)
    with pytest.raises(CatalogUploadInvalid) as bad:
        upload_file(shop, django_capture_on_commit_callbacks, csv_of(), price_increase_flag_percent="-1")

    assert bad.value.message == (
        "The price increase threshold must be a percentage from 0 to 1000 with at most 2 decimals."
    )
    assert CatalogUpload.objects.count() == 0
    assert CatalogUploadLine.objects.count() == 0


def test_a_check_whose_worker_died_is_queued_again_by_the_sweep(shop, live_catalog, django_capture_on_commit_callbacks):
    """Given an upload left at "checking" for 10 minutes (its worker was killed), when beat's sweep runs, then
    the check runs again from the start and the upload awaits approval with its diff."""
    from datetime import timedelta

    from django.utils import timezone

    from catalogs.tasks import uploads_sweep

    upload = upload_file(shop, django_capture_on_commit_callbacks, csv_of("PEN;Pen;44121704;EA;12.00;EUR;;;;;"))
    CatalogUploadLine.objects.filter(upload=upload).delete()
    CatalogUpload.objects.filter(pk=upload.pk).update(
        status=S.VALIDATING, progress_at=timezone.now() - timedelta(minutes=10), processed_lines=0
    )

    assert uploads_sweep.delay().get() == 1
    upload.refresh_from_db()

    assert (upload.status, upload.total_lines, upload.changed_count) == (S.VALIDATED, 1, 1)
    assert uploads_sweep.delay().get() == 0
