"""Writes of catalog uploads: stage a file, check and diff it in the background chunk by chunk (progress shown),
publish it into the live catalog when a buyer approves, or reject it. Each function owns its transaction(s)."""

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.bulk import bulk_insert_rows
from procurement.catalog_publish import CatalogItemValues, catalog_items_publish
from procurement.lock_objects import suppliers_qs_select_for_update
from procurement.models import CatalogItem, Employee, LegalEntity, Supplier
from procurement.task_queue import task_enqueue

from .error_codes import CatalogErrorCode
from .errors import (
    CatalogUploadHasErrors,
    CatalogUploadInvalid,
    NotAllowedToDecide,
)
from .formats import MAX_CATALOG_BYTES, CatalogFormatError, CatalogRow, read_catalog
from .line_checks import line_check, price_increase_flagged
from .lock_objects import catalog_uploads_qs_select_for_update
from .models import CatalogUpload, CatalogUploadLine
from .selectors import employee_may_decide, employee_may_upload
from .upload_states import catalog_upload_status_move

logger = logging.getLogger(__name__)

S = CatalogUpload.Status
K = CatalogUploadLine.Kind
CHUNK = 1000
VALIDATE_TASK = "catalogs.upload_validate"
PUBLISH_TASK = "catalogs.upload_publish"
# The fields compared with the live item, in CatalogItem's names (the line's price is `price_minor`).
COMPARED = (
    "name",
    "description",
    "unspsc",
    "unit",
    "base_price_minor",
    "lead_time_days",
    "manufacturer",
    "manufacturer_part_id",
    "pack_size",
    "order_multiple",
    "minimum_quantity",
    "image_url",
    "datasheet_url",
)
LINE_FIELDS = (
    "upload_id",
    "line_number",
    "kind",
    "item_id",
    "sku",
    "name",
    "description",
    "unspsc",
    "unit",
    "price_minor",
    "old_price_minor",
    "currency",
    "lead_time_days",
    "manufacturer",
    "manufacturer_part_id",
    "pack_size",
    "order_multiple",
    "minimum_quantity",
    "image_url",
    "datasheet_url",
    "changes",
    "errors",
    "flagged",
)


def format_error_message(error: CatalogFormatError) -> str:
    """Why a file could not be read, in the reader's language (the reader's detail, in English, after it)."""
    messages = {
        "too_large": _("The file is larger than %(value)s MB.") % {"value": MAX_CATALOG_BYTES // (1024 * 1024)},
        "empty": _("The file is empty."),
        "not_text": _("The file is not text in UTF-8 or Windows-1252."),
        "no_header": _("The first line must name the columns (see the template)."),
        "missing_columns": _("Columns are missing from the header: %(columns)s.") % {"columns": error.detail},
        "not_cif": _("The file is not a CIF 3.0 catalog (it must start with CIF_I_V3.0 and have a DATA line)."),
        "not_bmecat": _("The file is not a BMEcat catalog (BMECAT with T_NEW_CATALOG or T_UPDATE_PRODUCTS)."),
        "not_cxml": _("The file is not a cXML CatalogUploadRequest we can read."),
        "not_index": _("The attachment is neither a cXML Index nor a CIF file."),
        "unsafe_xml": _("The XML declares entities, which are refused."),
        "malformed_xml": _("The file is not well-formed XML."),
        "no_attachment": _(
            "The CatalogUploadRequest's attachment is missing: send it as a MIME message with its part."
        ),
        "remote_attachment": _(
            "The CatalogUploadRequest points to a catalog on the web; we never fetch it. Attach the catalog (cid:)."
        ),
        "not_xlsx": _("The file is not a readable .xlsx workbook."),
        "unknown_format": _("Unknown format."),
    }
    message = messages.get(error.code, _("The file cannot be read."))
    return f"{message} ({error.detail})" if error.detail and error.code != "missing_columns" else message


def _flag_percent(value: Decimal | str | None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        percent = Decimal(str(value))
    except InvalidOperation:
        percent = Decimal(-1)
    if not percent.is_finite() or percent < 0 or percent > 1000 or percent != percent.quantize(Decimal("0.01")):
        raise CatalogUploadInvalid(
            _("The price increase threshold must be a percentage from 0 to 1000 with at most 2 decimals."),
            field="price_increase_flag_percent",
        )
    return percent


@transaction.atomic
def catalog_upload_create(
    *,
    supplier: Supplier,
    by: Employee | None,
    legal_entity: LegalEntity | None,
    file_format: str,
    filename: str,
    content: bytes,
    default_unspsc: str = "",
    price_increase_flag_percent: Decimal | str | None = None,
) -> CatalogUpload:
    """Stage a catalog file of `supplier`; a worker reads, checks and diffs it (see `catalog_upload_validate`).

    `by` is None for a supplier's own upload through its link; otherwise a buyer or an administrator."""
    if by is not None and not employee_may_upload(by):
        raise NotAllowedToDecide(_("Only buyers and administrators upload catalogs."))
    if file_format not in CatalogUpload.Format.values:
        raise CatalogUploadInvalid(_("Choose one of the formats offered."), field="file_format")
    if not content:
        raise CatalogUploadInvalid(_("Choose a file to upload."), field="file")
    if len(content) > MAX_CATALOG_BYTES:
        raise CatalogUploadInvalid(
            _("The file is larger than %(value)s MB.") % {"value": MAX_CATALOG_BYTES // (1024 * 1024)},
            code=CatalogErrorCode.FILE_TOO_LARGE,
            field="file",
        )
    default_unspsc = (default_unspsc or "").strip()
    if default_unspsc and not re.fullmatch(r"\d{8}", default_unspsc):
        raise CatalogUploadInvalid(_("The default UNSPSC code must have 8 digits."), field="default_unspsc")
    percent = _flag_percent(price_increase_flag_percent)
    upload = CatalogUpload(
        supplier=supplier,
        legal_entity=legal_entity,
        uploaded_by=by,
        file_format=file_format,
        filename=(filename or "")[:255],
        content=content,
        default_unspsc=default_unspsc,
    )
    if percent is not None:
        upload.price_increase_flag_percent = percent
    upload.save()
    transaction.on_commit(lambda: _enqueue(VALIDATE_TASK, upload.pk))
    return upload


def _enqueue(task: str, upload_id: int) -> None:
    if not task_enqueue(task, kwargs={"upload_id": upload_id}):
        with transaction.atomic():
            upload = catalog_uploads_qs_select_for_update().get(pk=upload_id)
            if upload.status == S.UPLOADED:
                upload.message = _("The check could not be started: the task queue did not answer. Upload again.")
                catalog_upload_status_move(upload=upload, to_status=S.FAILED, by=None, also_save=["message"])


def _live_items(supplier_id: int) -> dict[str, dict[str, Any]]:
    rows = CatalogItem.objects.filter(supplier_id=supplier_id).values("pk", "sku", "is_active", *COMPARED)
    return {row["sku"]: row for row in rows}


def _chunks(rows: Iterator[CatalogRow], size: int) -> Iterator[list[CatalogRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _line_row(upload_id: int, line_number: int, kind: str, values: dict[str, Any], **extra: Any) -> tuple[Any, ...]:
    data = {"upload_id": upload_id, "line_number": line_number, "kind": kind, "item_id": None}
    data.update(values)
    data.update({"old_price_minor": None, "changes": [], "errors": [], "flagged": False})
    data.update(extra)
    return tuple(data[name] for name in LINE_FIELDS)


def catalog_upload_validate(*, upload_id: int) -> CatalogUpload:
    """Read the staged file, check each line, diff it against the supplier's live items and stage the result,
    committing every CHUNK lines (the progress people see). Idempotent: a second run starts over."""
    with transaction.atomic():
        upload = catalog_uploads_qs_select_for_update().get(pk=upload_id)
        if upload.status not in {S.UPLOADED, S.VALIDATING}:
            return upload
        CatalogUploadLine.objects.filter(upload=upload).delete()
        for name in ("total_lines", "processed_lines", "error_lines", "new_count", "changed_count"):
            setattr(upload, name, 0)
        upload.unchanged_count = upload.removed_count = upload.flagged_count = 0
        if upload.status == S.UPLOADED:
            upload.message = ""  # a check run again keeps why it was run again (the live catalog moved)
        upload.progress_at = timezone.now()
        counts = ["total_lines", "processed_lines", "error_lines", "new_count", "changed_count", "unchanged_count"]
        counts += ["removed_count", "flagged_count", "message", "progress_at"]
        catalog_upload_status_move(upload=upload, to_status=S.VALIDATING, by=None, also_save=counts)
    supplier = upload.supplier
    live = _live_items(supplier.pk)
    seen: dict[str, int] = {}
    try:
        catalog = read_catalog(upload.file_format, bytes(upload.content))
        for chunk in _chunks(catalog.rows, CHUNK):
            rows = [_stage(upload, row, live, seen, supplier.currency) for row in chunk]
            with transaction.atomic():
                bulk_insert_rows(CatalogUploadLine, LINE_FIELDS, rows, with_ids=False)
                upload.processed_lines += len(rows)
                upload.total_lines = upload.processed_lines
                upload.progress_at = timezone.now()
                upload.save(update_fields=[*counts[:-2], "progress_at"])
    except CatalogFormatError as error:
        with transaction.atomic():
            upload = catalog_uploads_qs_select_for_update().get(pk=upload_id)
            upload.message = format_error_message(error)
            return catalog_upload_status_move(upload=upload, to_status=S.FAILED, by=None, also_save=["message"])
    with transaction.atomic():
        upload.mode = catalog.mode
        if catalog.mode == CatalogUpload.Mode.FULL:
            removed = [item for sku, item in live.items() if sku not in seen and item["is_active"]]
            for start in range(0, len(removed), CHUNK):
                rows = [
                    _line_row(
                        upload.pk,
                        0,
                        K.REMOVED,
                        _values_of_item(item, supplier.currency),
                        item_id=item["pk"],
                        old_price_minor=item["base_price_minor"],
                    )
                    for item in removed[start : start + CHUNK]
                ]
                bulk_insert_rows(CatalogUploadLine, LINE_FIELDS, rows, with_ids=False)
            upload.removed_count += len(removed)
        if upload.total_lines == 0:
            upload.message = _("The file holds no item.")
            return catalog_upload_status_move(upload=upload, to_status=S.FAILED, by=None, also_save=["message", "mode"])
        upload.validated_at = timezone.now()
        return catalog_upload_status_move(
            upload=upload,
            to_status=S.VALIDATED,
            by=None,
            also_save=[*counts[:-2], "mode", "validated_at", "progress_at"],
        )


def _values_of_item(item: dict[str, Any], currency: str) -> dict[str, Any]:
    values = {name: item[name] for name in COMPARED if name != "base_price_minor"}
    return {"sku": item["sku"], "price_minor": item["base_price_minor"], "currency": currency, **values}


def _stage(
    upload: CatalogUpload, row: CatalogRow, live: dict[str, dict[str, Any]], seen: dict[str, int], currency: str
) -> tuple[Any, ...]:
    """The staged line of `row`: checked, then new, changed or unchanged against the live item; counts kept."""
    if row.delete:
        return _stage_deletion(upload, row, live, seen, currency)
    checked = line_check(row, supplier_currency=currency, default_unspsc=upload.default_unspsc)
    values = checked.values
    sku = values["sku"]
    if sku and sku in seen:
        checked.errors.append(_("The SKU %(sku)s is also on line %(line)s.") % {"sku": sku[:64], "line": seen[sku]})
    elif sku:
        seen[sku] = row.line_number
    item = live.get(sku) if sku else None
    item_id = item["pk"] if item else None
    old_price = item["base_price_minor"] if item else None
    if checked.errors:
        upload.error_lines += 1
        return _line_row(
            upload.pk,
            row.line_number,
            K.INVALID,
            values,
            item_id=item_id,
            old_price_minor=old_price,
            errors=checked.errors,
        )
    if item is None:
        upload.new_count += 1
        return _line_row(upload.pk, row.line_number, K.NEW, values)
    changes = [
        name
        for name in COMPARED
        if (values["price_minor"] if name == "base_price_minor" else values[name]) != item[name]
    ]
    if not item["is_active"]:
        changes.append("is_active")
    flagged = price_increase_flagged(
        old_minor=old_price, new_minor=values["price_minor"], threshold_percent=upload.price_increase_flag_percent
    )
    upload.flagged_count += flagged
    if changes:
        upload.changed_count += 1
        kind = K.CHANGED
    else:
        upload.unchanged_count += 1
        kind = K.UNCHANGED
    return _line_row(
        upload.pk,
        row.line_number,
        kind,
        values,
        item_id=item_id,
        old_price_minor=old_price,
        changes=changes,
        flagged=flagged,
    )


def _stage_deletion(
    upload: CatalogUpload, row: CatalogRow, live: dict[str, dict[str, Any]], seen: dict[str, int], currency: str
) -> tuple[Any, ...]:
    """An update's deletion: the live item is removed; an item the supplier does not sell (or no longer does)
    leaves nothing to do (unchanged)."""
    sku = row.sku[:64]
    empty: dict[str, Any] = {"sku": sku, "name": "", "description": "", "unspsc": "", "unit": "", "price_minor": None}
    empty |= {"currency": currency, "lead_time_days": 0, "manufacturer": "", "manufacturer_part_id": ""}
    empty |= {"pack_size": None, "order_multiple": Decimal("0.001"), "minimum_quantity": Decimal("0.001")}
    empty |= {"image_url": "", "datasheet_url": ""}
    if not sku or sku in seen:
        upload.error_lines += 1
        error = (
            _("The SKU %(sku)s is also on line %(line)s.") % {"sku": sku, "line": seen[sku]}
            if sku
            else _("The supplier part id (SKU) is missing.")
        )
        return _line_row(upload.pk, row.line_number, K.INVALID, empty, errors=[error])
    seen[sku] = row.line_number
    item = live.get(sku)
    if item is None or not item["is_active"]:
        upload.unchanged_count += 1
        return _line_row(upload.pk, row.line_number, K.UNCHANGED, empty, item_id=item["pk"] if item else None)
    upload.removed_count += 1
    return _line_row(
        upload.pk,
        row.line_number,
        K.REMOVED,
        _values_of_item(item, currency),
        item_id=item["pk"],
        old_price_minor=item["base_price_minor"],
    )


def _decide_check(upload: CatalogUpload, by: Employee) -> None:
    if not employee_may_decide(by):
        raise NotAllowedToDecide(_("Only a buyer approves or rejects a catalog upload."))


@transaction.atomic
def catalog_upload_publish(*, upload: CatalogUpload, by: Employee, comment: str = "") -> CatalogUpload:
    """A buyer approves the upload: it is published in the background (`catalog_upload_publish_run`)."""
    _decide_check(upload, by)
    upload = catalog_uploads_qs_select_for_update().get(pk=upload.pk)
    if upload.status == S.VALIDATED and upload.error_lines:
        raise CatalogUploadHasErrors(
            _("%(count)s lines have errors: reject the upload and ask the supplier for a corrected file.")
            % {"count": upload.error_lines}
        )
    upload.decided_by, upload.decided_at, upload.decision_comment = by, timezone.now(), comment[:2000]
    upload.published_lines = 0
    catalog_upload_status_move(
        upload=upload,
        to_status=S.PUBLISHING,
        by=by,
        comment=comment[:2000],
        also_save=["decided_by", "decided_at", "decision_comment", "published_lines"],
    )
    transaction.on_commit(lambda: _enqueue_publish(upload.pk))
    return upload


def _enqueue_publish(upload_id: int) -> None:
    if not task_enqueue(PUBLISH_TASK, kwargs={"upload_id": upload_id}):
        logger.error("catalog upload %s: publishing not queued", upload_id)  # beat's sweep or a new click queues it


PUBLISHED_FIELDS = (
    "sku",
    "name",
    "description",
    "unspsc",
    "unit",
    "price_minor",
    "currency",
    "lead_time_days",
    "manufacturer",
    "manufacturer_part_id",
    "pack_size",
    "order_multiple",
    "minimum_quantity",
    "image_url",
    "datasheet_url",
)


def _published_values(upload: CatalogUpload) -> Iterator[CatalogItemValues]:
    """The new and changed lines as items, read CHUNK at a time by primary key (no cursor held open across the
    writes; tuples, not model instances)."""
    last = 0
    lines = CatalogUploadLine.objects.filter(upload=upload, kind__in=[K.NEW, K.CHANGED]).order_by("pk")
    while True:
        chunk = list(lines.filter(pk__gt=last).values_list("pk", *PUBLISHED_FIELDS)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1][0]
        for _pk, sku, name, description, unspsc, unit, price, currency, lead, maker, maker_id, *rest in chunk:
            pack_size, order_multiple, minimum_quantity, image_url, datasheet_url = rest
            yield CatalogItemValues(
                sku=sku,
                name=name,
                description=description,
                unspsc=unspsc,
                unit=unit,
                base_price_minor=price,
                currency=currency,
                lead_time_days=lead,
                manufacturer=maker,
                manufacturer_part_id=maker_id,
                pack_size=pack_size,
                order_multiple=order_multiple,
                minimum_quantity=minimum_quantity,
                image_url=image_url,
                datasheet_url=datasheet_url,
            )


@transaction.atomic
def catalog_upload_publish_run(*, upload_id: int) -> CatalogUpload:
    """Write an approved upload into the live catalog, in one transaction: new and changed items, and the
    removed ones deactivated. Refused (back to awaiting approval, checked again) when the live catalog changed
    since the upload was checked: the diff the buyer approved would no longer be what is written."""
    upload = catalog_uploads_qs_select_for_update().get(pk=upload_id)
    if upload.status != S.PUBLISHING:
        return upload
    # The supplier's lock first, then the look at its catalog: a publication of the same supplier running now
    # commits before this one looks, so its writes count as a change since the check.
    suppliers_qs_select_for_update().filter(pk=upload.supplier_id).get()
    latest = CatalogItem.objects.filter(supplier=upload.supplier).aggregate(latest=Max("updated_at"))["latest"]
    if latest is not None and upload.validated_at is not None and latest > upload.validated_at:
        upload.message = _("The live catalog changed after this upload was checked: it was checked again.")
        catalog_upload_status_move(upload=upload, to_status=S.VALIDATED, by=None, also_save=["message"])
        catalog_upload_status_move(upload=upload, to_status=S.VALIDATING, by=None)
        transaction.on_commit(lambda: _enqueue(VALIDATE_TASK, upload.pk))
        return upload
    removed = list(CatalogUploadLine.objects.filter(upload=upload, kind=K.REMOVED).values_list("sku", flat=True))
    publication = catalog_items_publish(
        supplier=upload.supplier,
        items=_published_values(upload),
        deactivate_skus=removed,
        actor=upload.decided_by.user if upload.decided_by else None,
        source={"catalog_upload": upload.pk, "format": upload.file_format},
    )
    upload.published_lines = publication.created + publication.updated + publication.deactivated
    upload.progress_at = timezone.now()
    upload.message = ""
    return catalog_upload_status_move(
        upload=upload,
        to_status=S.PUBLISHED,
        by=upload.decided_by,
        also_save=["published_lines", "progress_at", "message"],
    )


@transaction.atomic
def catalog_upload_reject(*, upload: CatalogUpload, by: Employee, comment: str = "") -> CatalogUpload:
    """A buyer rejects the upload: nothing of it is published."""
    _decide_check(upload, by)
    upload = catalog_uploads_qs_select_for_update().get(pk=upload.pk)
    upload.decided_by, upload.decided_at, upload.decision_comment = by, timezone.now(), comment[:2000]
    return catalog_upload_status_move(
        upload=upload,
        to_status=S.REJECTED,
        by=by,
        comment=comment[:2000],
        also_save=["decided_by", "decided_at", "decision_comment"],
    )


def catalog_upload_check_again(*, upload: CatalogUpload, by: Employee) -> CatalogUpload:
    """Check an upload awaiting approval again against the live catalog as it is now."""
    _decide_check(upload, by)
    with transaction.atomic():
        upload = catalog_uploads_qs_select_for_update().get(pk=upload.pk)
        catalog_upload_status_move(upload=upload, to_status=S.VALIDATING, by=by)
        transaction.on_commit(lambda: _enqueue(VALIDATE_TASK, upload.pk))
    return upload


# An upload whose worker died (killed, a lost message) stops moving; beat queues it again after this long. A chunk
# of lines takes about a second, so a live check never waits this long; a publication is one transaction, so one
# whose worker died rolled back and runs again whole (a second run of a live one waits for its lock, then finds
# the upload published and does nothing).
STALLED_CHECK = timedelta(seconds=300)
STALLED_PUBLISH = timedelta(minutes=30)


def catalog_uploads_stalled_requeue() -> int:
    """Beat: queue again the checks and publications that stopped moving; returns how many."""
    now = timezone.now()
    before = now - STALLED_CHECK
    checks = list(
        CatalogUpload.objects.filter(status__in=[S.UPLOADED, S.VALIDATING])
        .filter(Q(progress_at__lt=before) | Q(progress_at__isnull=True, created_at__lt=before))
        .values_list("pk", flat=True)[:50]
    )
    publications = list(
        CatalogUpload.objects.filter(status=S.PUBLISHING, decided_at__lt=now - STALLED_PUBLISH).values_list(
            "pk", flat=True
        )[:50]
    )
    for upload_id in checks:
        task_enqueue(VALIDATE_TASK, kwargs={"upload_id": upload_id})
    for upload_id in publications:
        task_enqueue(PUBLISH_TASK, kwargs={"upload_id": upload_id})
    return len(checks) + len(publications)
