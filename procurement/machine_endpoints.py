"""Machine endpoints answer in their own protocol, even when something unexpected fails.

An ERP or a supplier system cannot read an HTML error page: a cXML endpoint always answers a cXML Status,
an OCI endpoint an OCI error page. An unexpected error is logged (with the request's path only: bodies
carry credentials) and answered as a 500 in the endpoint's protocol; nothing of it reaches the caller.
"""

import functools
import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from punchout import cxml

logger = logging.getLogger(__name__)

CXML_CONTENT_TYPE = "text/xml; charset=utf-8"
INTERNAL_ERROR_MESSAGE = "Internal error: the document was not applied. Try again later; the error is logged here."

View = Callable[..., HttpResponse]


def cxml_internal_error() -> HttpResponse:
    error = cxml.CXMLError(500, INTERNAL_ERROR_MESSAGE)
    return HttpResponse(cxml.error_response(error), content_type=CXML_CONTENT_TYPE, status=500)


def cxml_endpoint(view: View) -> View:
    """Any unexpected error in `view` becomes a cXML Status 500, never an HTML page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Exception:
            _log_unexpected(request)
            return cxml_internal_error()

    return wrapped


def oci_endpoint(view: View) -> View:
    """Any unexpected error in `view` becomes the OCI error page with a 500, never a debug or HTML error page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Exception:
            _log_unexpected(request)
            return render(request, "punchout/oci_refused.html", {"message": INTERNAL_ERROR_MESSAGE}, status=500)

    return wrapped


def _log_unexpected(request: HttpRequest) -> None:
    # Where it failed, but not the exception's text: it may quote the document, and documents carry secrets.
    error = sys.exc_info()[1]
    where = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
    logger.error(
        "unexpected %s on machine endpoint %s %s\n%s",
        type(error).__name__,
        request.method,
        request.path[:200],
        where,
    )
    if transaction.get_connection().in_atomic_block:
        transaction.set_rollback(True)
