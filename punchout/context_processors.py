from typing import Any

from django.http import HttpRequest


def inbound(request: HttpRequest) -> dict[str, Any]:
    """In a punch-in from an ERP, pages show the transfer button and leave out everything else."""
    session = getattr(request, "punchin", None)
    return {"punchout_inbound": session} if session is not None else {}
