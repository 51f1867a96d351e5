"""REST API of catalog uploads: upload a file (multipart), follow its check, read its diff, publish or reject it."""

from typing import Any

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from procurement.models import Supplier
from procurement.money import Money, decimal_text
from procurement.selectors import legal_entity_for_user
from procurement.web import current_employee

from .errors import CatalogUploadInvalid, NotAllowedToDecide
from .models import CatalogUpload, CatalogUploadLine
from .selectors import (
    LINE_FILTERS,
    catalog_upload_get,
    catalog_upload_lines,
    catalog_uploads_visible,
    employee_may_upload,
)
from .services import catalog_upload_create, catalog_upload_publish, catalog_upload_reject

PAGE_SIZE = 200

UploadSchema = inline_serializer(
    "CatalogUpload",
    {
        "id": serializers.IntegerField(),
        "supplier": serializers.CharField(help_text="The supplier's code."),
        "file_format": serializers.ChoiceField(choices=CatalogUpload.Format.values),
        "filename": serializers.CharField(),
        "mode": serializers.CharField(help_text="full (items not in the file are removed) or incremental."),
        "status": serializers.ChoiceField(choices=CatalogUpload.Status.values),
        "progress": serializers.IntegerField(help_text="Percent of the background work done."),
        "price_increase_flag_percent": serializers.CharField(),
        "counts": serializers.DictField(child=serializers.IntegerField()),
        "message": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "decided_by": serializers.CharField(allow_null=True),
        "decided_at": serializers.DateTimeField(allow_null=True),
        "decision_comment": serializers.CharField(),
    },
)
LineSchema = inline_serializer(
    "CatalogUploadLine",
    {
        "line_number": serializers.IntegerField(help_text="0 for an item removed (not in the file)."),
        "kind": serializers.ChoiceField(choices=CatalogUploadLine.Kind.values),
        "sku": serializers.CharField(),
        "name": serializers.CharField(),
        "unspsc": serializers.CharField(),
        "unit": serializers.CharField(),
        "price": serializers.DictField(allow_null=True),
        "old_price": serializers.DictField(allow_null=True),
        "flagged": serializers.BooleanField(),
        "changes": serializers.ListField(child=serializers.CharField()),
        "errors": serializers.ListField(child=serializers.CharField()),
        "pack_size": serializers.CharField(allow_null=True),
        "order_multiple": serializers.CharField(),
        "minimum_quantity": serializers.CharField(),
        "image_url": serializers.CharField(),
        "datasheet_url": serializers.CharField(),
    },
)


def upload_data(upload: CatalogUpload) -> dict[str, Any]:
    return {
        "id": upload.pk,
        "supplier": upload.supplier.code,
        "file_format": upload.file_format,
        "filename": upload.filename,
        "mode": upload.mode,
        "status": upload.status,
        "progress": upload.percent,
        "price_increase_flag_percent": decimal_text(upload.price_increase_flag_percent),
        "counts": {
            "lines": upload.total_lines,
            "processed": upload.processed_lines,
            "new": upload.new_count,
            "changed": upload.changed_count,
            "unchanged": upload.unchanged_count,
            "removed": upload.removed_count,
            "flagged": upload.flagged_count,
            "errors": upload.error_lines,
            "published": upload.published_lines,
        },
        "message": upload.message,
        "created_at": upload.created_at.isoformat(),
        "decided_by": upload.decided_by.display_name if upload.decided_by else None,
        "decided_at": upload.decided_at.isoformat() if upload.decided_at else None,
        "decision_comment": upload.decision_comment,
    }


def _money(minor: int | None, currency: str) -> dict[str, str] | None:
    return None if minor is None or not currency else Money.from_minor(minor, currency).as_api()


def line_data(line: CatalogUploadLine) -> dict[str, Any]:
    return {
        "line_number": line.line_number,
        "kind": line.kind,
        "sku": line.sku,
        "name": line.name,
        "unspsc": line.unspsc,
        "unit": line.unit,
        "price": _money(line.price_minor, line.currency) if line.kind != "removed" else None,
        "old_price": _money(line.old_price_minor, line.currency),
        "flagged": line.flagged,
        "changes": line.changes,
        "errors": line.errors,
        "pack_size": decimal_text(line.pack_size) if line.pack_size is not None else None,
        "order_multiple": decimal_text(line.order_multiple),
        "minimum_quantity": decimal_text(line.minimum_quantity),
        "image_url": line.image_url,
        "datasheet_url": line.datasheet_url,
    }


def _field(data: Any, name: str, limit: int = 40) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CatalogUploadInvalid(_("%(name)s must be a text.") % {"name": name}, field=name)
    if len(value) > limit:
        raise CatalogUploadInvalid(
            _("%(name)s is longer than %(limit)s characters.") % {"name": name, "limit": limit}, field=name
        )
    return value.strip()


class UploadsView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: inline_serializer("CatalogUploads", {"results": UploadSchema})})
    def get(self, request: Request) -> Response:
        """The latest 100 uploads the caller may see (buyers and administrators), newest first."""
        employee = current_employee(request)
        uploads = catalog_uploads_visible(employee=employee)[:100]
        return Response({"results": [upload_data(upload) for upload in uploads]})

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "CatalogUploadRequestForm",
                {
                    "supplier": serializers.CharField(help_text="The supplier's code."),
                    "file_format": serializers.ChoiceField(choices=CatalogUpload.Format.values),
                    "file": serializers.FileField(),
                    "legal_entity": serializers.CharField(required=False),
                    "default_unspsc": serializers.CharField(required=False),
                    "price_increase_flag_percent": serializers.CharField(required=False),
                },
            )
        },
        responses={202: UploadSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA},
        operation_id="catalog_upload_create",
    )
    def post(self, request: Request) -> Response:
        """Stage a catalog file; it is checked and diffed in the background (follow `progress` and `status`:
        `validated` means awaiting a buyer's approval)."""
        employee = current_employee(request)
        if not employee_may_upload(employee):
            raise NotAllowedToDecide(_("Only buyers and administrators upload catalogs."))
        data = request.data
        code = _field(data, "supplier")
        supplier = Supplier.objects.filter(code=code, is_active=True).first() if code else None
        if supplier is None:
            raise CatalogUploadInvalid(_("There is no active supplier %(code)s.") % {"code": code}, field="supplier")
        file = request.FILES.get("file")
        if file is None:
            raise CatalogUploadInvalid(_("Choose a file to upload."), field="file")
        entity = legal_entity_for_user(user=request.user, code=_field(data, "legal_entity") or None)
        upload = catalog_upload_create(
            supplier=supplier,
            by=employee,
            legal_entity=entity,
            file_format=_field(data, "file_format"),
            filename=file.name or "catalog",
            content=file.read(),
            default_unspsc=_field(data, "default_unspsc"),
            price_increase_flag_percent=_field(data, "price_increase_flag_percent") or None,
        )
        return Response(upload_data(catalog_upload_get(employee=employee, pk=upload.pk)), status=202)


class UploadDetailView(APIView):
    @extend_schema(responses={200: UploadSchema, 404: ERROR_SCHEMA}, operation_id="catalog_upload_read")
    def get(self, request: Request, pk: int) -> Response:
        """An upload's status, progress and counts per kind."""
        return Response(upload_data(catalog_upload_get(employee=current_employee(request), pk=pk)))


class UploadLinesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=list(LINE_FILTERS), required=False),
            OpenApiParameter("page", int, required=False),
        ],
        responses={
            200: inline_serializer(
                "CatalogUploadLines",
                {"count": serializers.IntegerField(), "pages": serializers.IntegerField(), "results": LineSchema},
            ),
            400: ERROR_SCHEMA,
            404: ERROR_SCHEMA,
        },
        operation_id="catalog_upload_lines",
    )
    def get(self, request: Request, pk: int) -> Response:
        """The upload's lines in file order, 200 a page; `kind`: new, changed, unchanged, removed, flagged, errors."""
        upload = catalog_upload_get(employee=current_employee(request), pk=pk)
        kind = request.query_params.get("kind", "")
        if kind and kind not in LINE_FILTERS:
            raise CatalogUploadInvalid(
                _("kind must be one of %(kinds)s.") % {"kinds": ", ".join(LINE_FILTERS)}, field="kind"
            )
        page_number = request.query_params.get("page", "1")
        if not page_number.isdigit() or len(page_number) > 9 or int(page_number) < 1:
            raise CatalogUploadInvalid(_("page must be a positive whole number."), field="page")
        paginator = Paginator(catalog_upload_lines(upload=upload, kind=kind), PAGE_SIZE)
        page = paginator.get_page(int(page_number))
        return Response(
            {
                "count": paginator.count,
                "pages": paginator.num_pages,
                "results": [line_data(line) for line in page.object_list],
            }
        )


DecisionSchema = inline_serializer("CatalogUploadDecision", {"comment": serializers.CharField(required=False)})


class UploadPublishView(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        request=DecisionSchema,
        responses={202: UploadSchema, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        operation_id="catalog_upload_publish",
    )
    def post(self, request: Request, pk: int) -> Response:
        """A buyer approves the upload: it is published in the background (status `publishing`, then
        `published`). Refused (409 `has_errors`) while lines have errors."""
        employee = current_employee(request)
        upload = catalog_upload_get(employee=employee, pk=pk)
        data = request.data if isinstance(request.data, dict) else {}
        catalog_upload_publish(upload=upload, by=employee, comment=_field(data, "comment", 2000))
        return Response(upload_data(catalog_upload_get(employee=employee, pk=pk)), status=202)


class UploadRejectView(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        request=DecisionSchema,
        responses={200: UploadSchema, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        operation_id="catalog_upload_reject",
    )
    def post(self, request: Request, pk: int) -> Response:
        """A buyer rejects the upload: nothing of it is published."""
        employee = current_employee(request)
        upload = catalog_upload_get(employee=employee, pk=pk)
        data = request.data if isinstance(request.data, dict) else {}
        catalog_upload_reject(upload=upload, by=employee, comment=_field(data, "comment", 2000))
        return Response(upload_data(catalog_upload_get(employee=employee, pk=pk)))
