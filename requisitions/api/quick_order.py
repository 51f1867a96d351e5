"""REST API of quick order: add pasted `sku,qty` lines, upload CSV/XLSX, follow an import job."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from procurement.web import current_employee

from ..error_codes import RequisitionErrorCode
from ..errors import RequisitionError, RequisitionNotFound
from ..models import ImportJob
from ..quick_order import MAX_BYTES, QuickOrderFormatError, parse_text
from ..selectors import requisition_get, requisitions_visible
from ..serializers import ImportJobSerializer, QuickAddResultSerializer, QuickAddSerializer, UploadSerializer
from ..services import import_job_create, requisition_quick_add


class QuickAddView(APIView):
    @extend_schema(
        request=QuickAddSerializer,
        responses={200: QuickAddResultSerializer, 400: ERROR_SCHEMA},
        examples=[
            OpenApiExample(
                "Pasted lines", request_only=True, value={"text": "BT-PEN-BLA-10,5\nLS-GLV-NIT-M;2\nNOPE-1,1"}
            ),
            OpenApiExample(
                "Result",
                response_only=True,
                value={
                    "lines_read": 3,
                    "added": 2,
                    "not_added": 1,
                    "errors": [{"line": 3, "message": "unknown SKU NOPE-1"}],
                    "error_groups": [{"reason": "Unknown SKU", "count": 1, "lines": [3]}],
                },
            ),
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        employee = current_employee(request)
        requisition = requisition_get(employee=employee, pk=pk)
        incoming = QuickAddSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            parsed = parse_text(incoming.validated_data["text"])
        except QuickOrderFormatError as error:
            raise RequisitionError(str(error), code=RequisitionErrorCode.INVALID_QUICK_ORDER) from error
        result = requisition_quick_add(requisition=requisition, by=employee, parsed=parsed)
        return Response(
            {
                "lines_read": result.lines_read,
                "added": result.added,
                "not_added": result.not_added,
                "errors": [{"line": error.line, "message": error.message} for error in result.errors],
                "error_groups": [
                    {"reason": group.reason, "count": group.count, "lines": list(group.lines)}
                    for group in result.error_groups
                ],
            }
        )


class UploadView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": UploadSerializer}, responses={202: ImportJobSerializer, 400: ERROR_SCHEMA}
    )
    def post(self, request: Request, pk: int) -> Response:
        """Upload a CSV or XLSX quick order; poll the returned import until its status is done."""
        employee = current_employee(request)
        requisition = requisition_get(employee=employee, pk=pk)
        incoming = UploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        upload = incoming.validated_data["file"]
        if upload.size > MAX_BYTES:
            raise RequisitionError(
                _("The file is larger than %(value)s MB.") % {"value": MAX_BYTES // (1024 * 1024)},
                code=RequisitionErrorCode.FILE_TOO_LARGE,
            )
        job = import_job_create(requisition=requisition, by=employee, filename=upload.name, content=upload.read())
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobView(APIView):
    @extend_schema(responses={200: ImportJobSerializer, 404: ERROR_SCHEMA})
    def get(self, request: Request, job_id: int) -> Response:
        employee = current_employee(request)
        job = ImportJob.objects.filter(pk=job_id, requisition__in=requisitions_visible(employee=employee)).first()
        if job is None:
            raise RequisitionNotFound(_("There is no import %(job_id)s that you may see.") % {"job_id": job_id})
        return Response(ImportJobSerializer(job).data)
