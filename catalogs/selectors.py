"""Reads of catalog uploads: which a person may see, their lines by diff kind."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from procurement.models import Employee, Role
from procurement.web import employee_has_role

from .errors import CatalogUploadNotFound
from .models import CatalogUpload, CatalogUploadLine

# Who uploads catalogs and sees them: buyers, and administrators who keep the catalog; only buyers decide.
UPLOADER_ROLES = (Role.BUYER, Role.ADMIN)
LINE_FILTERS = ("new", "changed", "unchanged", "removed", "flagged", "errors")


def employee_may_upload(employee: Employee) -> bool:
    return employee_has_role(employee, *UPLOADER_ROLES)


def employee_may_decide(employee: Employee) -> bool:
    return employee_has_role(employee, Role.BUYER)


def catalog_uploads_visible(*, employee: Employee) -> QuerySet[CatalogUpload]:
    """The uploads of the employee's legal entities (a supplier's own, by link, belongs to the entity of the buyer
    who sent the link), for buyers and administrators; none for anyone else."""
    uploads = CatalogUpload.objects.select_related("supplier", "uploaded_by__user", "decided_by__user", "legal_entity")
    if employee.user.is_superuser:
        return uploads.defer("content")
    if not employee_may_upload(employee):
        return uploads.none()
    return uploads.filter(legal_entity__in=employee.legal_entities.values("pk")).defer("content")


def catalog_upload_get(*, employee: Employee, pk: int) -> CatalogUpload:
    upload = catalog_uploads_visible(employee=employee).filter(pk=pk).first()
    if upload is None:
        raise CatalogUploadNotFound(_("There is no catalog upload %(id)s that you may see.") % {"id": pk})
    return upload


def catalog_upload_lines(*, upload: CatalogUpload, kind: str = "") -> QuerySet[CatalogUploadLine]:
    """The upload's lines in file order; `kind` one of LINE_FILTERS (flagged: price increases over the threshold,
    errors: lines that cannot be published), empty for all."""
    lines = CatalogUploadLine.objects.filter(upload=upload).order_by("line_number", "id")
    if kind == "flagged":
        return lines.filter(flagged=True)
    if kind == "errors":
        return lines.filter(kind=CatalogUploadLine.Kind.INVALID)
    if kind in LINE_FILTERS:
        return lines.filter(kind=kind)
    return lines
