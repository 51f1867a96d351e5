"""Server-rendered pages of the core app: the catalog and the legal-entity switcher."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .selectors import (
    CatalogFilters,
    catalog_facets,
    catalog_item_quote,
    catalog_pricing_applicable,
    catalog_search,
)
from .web import no_legal_entity, safe_return_url

CATALOG_PAGE_SIZE = 50


def catalog_filters_from_query(query: QueryDict) -> CatalogFilters:
    """Read the catalog's filters from a query string; `attr` values look like `colour:black`."""
    attributes: dict[str, list[str]] = {}
    for pair in query.getlist("attr"):
        name, _, value = pair.partition(":")
        if name and value:
            attributes.setdefault(name, []).append(value)
    return CatalogFilters(
        search=query.get("q", "").strip()[:200],
        supplier=query.get("supplier", "").strip()[:30],
        category=query.get("category", "").strip()[:8],
        attributes=tuple((name, tuple(values)) for name, values in sorted(attributes.items())),
        exact=query.get("exact", "") == "1",
    )


CATALOG_TYPED_KEY = "catalog:typed"


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    """The catalog as a dense table, priced with the chosen entity's contracts in force and price lists.

    The address holds the whole view (q, supplier, category, attr, exact, page): a reload, a link or Back
    shows the same. htmx requests (search as you type, a filter, a page link) get the results and, swapped
    out of band, the filters with their counts for the new search; a history restore gets the whole page.
    """
    legal_entity = request.org.legal_entity  # type: ignore[attr-defined]
    if legal_entity is None:
        return no_legal_entity(request)
    filters = catalog_filters_from_query(request.GET)
    search = catalog_search(legal_entity=legal_entity, user=request.user, filters=filters)
    page = Paginator(search.items, CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    pricing = catalog_pricing_applicable(
        legal_entity=legal_entity, user=request.user, item_ids=[item.pk for item in page.object_list]
    )
    # Quantities refused by "Add to cart" come back as typed, each with its error next to the field.
    typed = request.session.pop(CATALOG_TYPED_KEY, None) or {}
    typed_values, typed_errors = typed.get("typed", {}), typed.get("errors", {})
    quotes = {item.pk: catalog_item_quote(item=item, pricing=pricing) for item in page.object_list}
    rows = [
        (
            item,
            quotes[item.pk].price,
            typed_values.get(str(item.pk), ""),
            typed_errors.get(str(item.pk), ""),
            quotes[item.pk],
        )
        for item in page.object_list
    ]
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    exact_query = query_without_page.copy()
    exact_query["exact"] = "1"
    selected_attributes = {f"{name}:{value}" for name, values in filters.attributes for value in values}
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "query": query_without_page.urlencode(),
        "exact_query": exact_query.urlencode(),
        "corrected": search.text.corrected,
        "selected_attributes": selected_attributes,
        "facets": catalog_facets(search=search),
        "price_lists": pricing.price_lists,
    }
    htmx = request.htmx  # type: ignore[attr-defined]
    partial = bool(htmx) and not htmx.history_restore_request
    template = "catalog/_results.html" if partial else "catalog/index.html"
    response = render(request, template, context | {"oob": partial})
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


@require_POST
@login_required
def legal_entity_switch(request: HttpRequest) -> HttpResponse:
    """Act for another entity the user belongs to; anything else is refused with a message."""
    code = request.POST.get("legal_entity", "")
    entity = request.org.choose(code)  # type: ignore[attr-defined]
    if entity is None:
        messages.error(request, _("You are not a member of legal entity %(code)s.") % {"code": f"{code:.20}"})
    else:
        messages.success(request, _("Now acting for %(name)s.") % {"name": entity.name})
    return redirect(safe_return_url(request, request.POST.get("next"), "catalog"))


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """API callers get the API's error shape; people get a page."""
    if _wants_json(request):
        return JsonResponse(
            {"code": "not_found", "message": _("There is nothing at %(path)s.") % {"path": request.path}}, status=404
        )
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {"code": "server_error", "message": _("Something went wrong on our side; it is logged.")}, status=500
        )
    # No context processors (they read the database, which may be what failed): the page needs none.
    return HttpResponseServerError(loader.get_template("500.html").render())
