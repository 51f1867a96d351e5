"""Submitting a Django admin form as a browser would: the page's fields as rendered, some of them changed."""

from typing import Any

import lxml.html
from django.test import Client


def admin_form_post(client: Client, url: str, changes: dict[str, Any], *, form_id: str | None = None) -> Any:
    """GET `url`, take its form's values as the browser would send them, apply `changes` (a list for a multiple
    choice, None to leave a field out), POST them back and return the response."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    document = lxml.html.fromstring(page.content.decode())
    # The model's form (`<model>_form`), not the header's logout form.
    form = next(
        form
        for form in document.forms
        if (form.get("id") == form_id if form_id else (form.get("id") or "").endswith("_form"))
    )
    values: dict[str, list[str]] = {}
    for name, value in form.form_values():
        values.setdefault(name, []).append(value)
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        elif isinstance(value, list):
            values[name] = [str(item) for item in value]
        else:
            values[name] = [str(value)]
    values.pop("_addanother", None)
    values.pop("_continue", None)
    values["_save"] = ["Save"]
    response = client.post(url, values)
    if response.status_code == 200 and getattr(response, "context", None) is not None:
        admin_form = response.context.get("adminform")
        errors = admin_form.form.errors if admin_form is not None else None
        response.form_errors = errors  # for a failing test's message
    return response
