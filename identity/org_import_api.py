"""The organisation import API: POST /api/v1/org-imports/ (a file → a run with its errors or diff; never applies),
GET /api/v1/org-imports/ and /api/v1/org-imports/<id>/, POST /api/v1/org-imports/<id>/apply/ (token scope admin).
Administrators of the legal entity (`?legal_entity=CODE`, default: the caller's) only."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2p.org_import_apply import OrgImportChanged, org_import_apply
from procurement.api import ERROR_SCHEMA
from procurement.errors import ProcurementError
from procurement.models import LegalEntity
from procurement.selectors import legal_entity_for_user
from procurement.web import current_employee

from .models import OrgImportRun
from .org_import.columns import MAX_FILE_BYTES
from .org_import.error_codes import OrgImportErrorCode
from .org_import.plan import MODE_FULL, MODE_PARTIAL
from .org_import.runs import may_import_org, org_import_run_create, org_import_runs_of

ENTITY_PARAMETER = OpenApiParameter(
    "legal_entity", OpenApiTypes.STR, description="Legal entity code (default: the caller's default entity)."
)
RUN_SCHEMA = inline_serializer(
    "OrgImportRun",
    {
        "id": serializers.IntegerField(),
        "legal_entity": serializers.CharField(),
        "file_name": serializers.CharField(),
        "sha256": serializers.CharField(),
        "mode": serializers.CharField(help_text="partial or full"),
        "status": serializers.CharField(help_text="draft, applied or failed"),
        "rows": serializers.IntegerField(),
        "errors": serializers.ListField(child=serializers.DictField()),
        "diff": serializers.DictField(),
        "result": serializers.DictField(),
        "failure": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "applied_at": serializers.DateTimeField(allow_null=True),
    },
)


class OrgImportError(ProcurementError):
    code = OrgImportErrorCode.FORBIDDEN
    status = 403


class OrgImportNotFound(OrgImportError):
    status = 404


def run_data(run: OrgImportRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "legal_entity": run.legal_entity.code,
        "file_name": run.file_name,
        "sha256": run.file_sha256,
        "mode": run.mode,
        "status": run.status,
        "rows": run.row_count,
        "errors": run.errors,
        "diff": run.diff,
        "result": run.result,
        "failure": run.failure,
        "created_at": run.created_at.isoformat(),
        "applied_at": run.applied_at.isoformat() if run.applied_at else None,
    }


def _field(request: Request, name: str) -> Any:
    """A field of the body (form or JSON object); None when absent or the body is not an object."""
    data: Any = request.data
    return data.get(name) if hasattr(data, "get") else None


def _entity_of(request: Request) -> LegalEntity:
    code = request.query_params.get("legal_entity") or _field(request, "legal_entity")
    entity = legal_entity_for_user(user=request.user, code=str(code)[:20] if code else None)
    if not may_import_org(employee=current_employee(request), legal_entity=entity):
        raise OrgImportError(_("Only administrators of this legal entity import the organisation."))
    return entity


def _run(request: Request, pk: int) -> tuple[LegalEntity, OrgImportRun]:
    entity = _entity_of(request)
    run = OrgImportRun.objects.select_related("legal_entity").filter(pk=pk, legal_entity=entity).first()
    if run is None:
        raise OrgImportNotFound(_("There is no such import."), code=OrgImportErrorCode.NOT_FOUND)
    return entity, run


class OrgImportListView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="org_imports_list", parameters=[ENTITY_PARAMETER], responses={200: RUN_SCHEMA, 403: ERROR_SCHEMA}
    )
    def get(self, request: Request) -> Response:
        """The legal entity's last 50 imports (newest first)."""
        entity = _entity_of(request)
        return Response({"results": [run_data(run) for run in org_import_runs_of(legal_entity=entity)[:50]]})

    @extend_schema(
        parameters=[ENTITY_PARAMETER],
        request={
            "multipart/form-data": inline_serializer(
                "OrgImportUpload",
                {
                    "file": serializers.FileField(),
                    "mode": serializers.CharField(required=False, help_text="partial (default) or full"),
                },
            )
        },
        responses={201: RUN_SCHEMA, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA},
    )
    def post(self, request: Request) -> Response:
        """Check an organisation file (CSV or XLSX) and store it as a draft import with its diff; never applies.
        A file with bad lines answers 400 `org_import_invalid_lines` with each line's errors and the run's id."""
        entity = _entity_of(request)
        upload = request.FILES.get("file")
        if upload is None:
            raise ProcurementError(_("Send the file as the multipart field `file`."), code=OrgImportErrorCode.NO_FILE)
        mode = str(_field(request, "mode") or MODE_PARTIAL)
        if mode not in (MODE_PARTIAL, MODE_FULL):
            raise ProcurementError(_("The mode is partial or full."), code=OrgImportErrorCode.INVALID_REQUEST)
        if upload.size is not None and upload.size > MAX_FILE_BYTES:
            raise ProcurementError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
                code=OrgImportErrorCode.INVALID_REQUEST,
            )
        run = org_import_run_create(
            legal_entity=entity,
            file_name=upload.name or "upload",
            data=upload.read(MAX_FILE_BYTES + 1),
            mode=mode,
            by=request.user,
        )
        if run.errors:
            return Response(
                {
                    "code": OrgImportErrorCode.INVALID_LINES,
                    "message": _("%(count)d problems: correct the file and upload it again.")
                    % {"count": len(run.errors)},
                    "id": run.pk,
                    "errors": run.errors,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(run_data(run), status=status.HTTP_201_CREATED)


class OrgImportDetailView(APIView):
    @extend_schema(parameters=[ENTITY_PARAMETER], responses={200: RUN_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA})
    def get(self, request: Request, pk: int) -> Response:
        """One import: its errors or diff, its status and, once applied, what changed."""
        return Response(run_data(_run(request, pk)[1]))


class OrgImportApplyView(APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        parameters=[ENTITY_PARAMETER],
        request=inline_serializer("OrgImportApply", {"confirm_leavers": serializers.BooleanField(required=False)}),
        responses={200: RUN_SCHEMA, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA},
    )
    def post(self, request: Request, pk: int) -> Response:
        """Apply a draft import in one transaction. If the organisation changed since its diff was made, answers 409
        `org_import_changed_since_preview` with the new diff (nothing applied). Full imports with leavers need
        `"confirm_leavers": true`."""
        entity, run = _run(request, pk)
        confirm = _field(request, "confirm_leavers")
        try:
            applied = org_import_apply(
                run_id=run.pk,
                legal_entity=entity,
                by=request.user,
                confirm_leavers=confirm is True or str(confirm).lower() in ("true", "1", "on"),
            )
        except OrgImportChanged as changed:
            run.refresh_from_db()
            return Response(
                {"code": changed.code, "message": changed.message, "run": run_data(run)},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(run_data(applied.run))
