"""The table of allowed status moves of a catalog upload, and the one function that moves it (each move logged as
an `AuditEvent` "catalogs.upload.status" in the same transaction)."""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy

from procurement.models import Employee
from procurement.status_moves import StatusTable, status_move

from .errors import CatalogUploadTransitionNotAllowed
from .models import CatalogUpload

S = CatalogUpload.Status

EVENT_TYPE = "catalogs.upload.status"

ALLOWED: dict[str, frozenset[str]] = {
    # Uploaded: a worker starts reading it, or the queue did not take it.
    S.UPLOADED: frozenset({S.VALIDATING, S.FAILED}),
    # Checking: every line read, checked and diffed (awaiting approval), or the file is not readable.
    S.VALIDATING: frozenset({S.VALIDATED, S.FAILED}),
    # Awaiting approval: a buyer publishes or rejects it; checked again when the live catalog moved meanwhile.
    S.VALIDATED: frozenset({S.PUBLISHING, S.REJECTED, S.VALIDATING}),
    # Publishing: written (published), or the write failed and it waits again for a decision.
    S.PUBLISHING: frozenset({S.PUBLISHED, S.VALIDATED}),
    S.PUBLISHED: frozenset(),
    S.REJECTED: frozenset(),
    S.FAILED: frozenset(),
}
TABLE = StatusTable(allowed=ALLOWED, labels=S, what=gettext_lazy("catalog upload"), event_type=EVENT_TYPE)
TERMINAL = TABLE.terminal


def catalog_upload_status_move(
    *, upload: CatalogUpload, to_status: str, by: Employee | None, comment: str = "", also_save: Iterable[str] = ()
) -> CatalogUpload:
    """Move the upload to `to_status` if the table allows it, save it (and `also_save`) and log the move.
    The caller holds the upload's row lock."""
    status_move(
        upload,
        table=TABLE,
        to_status=to_status,
        refused=CatalogUploadTransitionNotAllowed,
        actor=by.user if by is not None else None,
        legal_entity=lambda: upload.legal_entity,
        comment=comment,
        also_save=also_save,
    )
    return upload
