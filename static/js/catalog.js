// The catalog's search, filters and address stay in sync (templates/catalog/index.html).
//
// The address is the truth: htmx pushes it with every search, filter and page, and the server renders the
// results and the filters from it. What a browser does not keep by itself is handled here:
// - Back / Forward restore htmx's snapshot of the page, and a snapshot holds attributes, not what was typed:
//   the search box and the filters are set again from the address restored.
// - Quantities typed in "Add to cart" stay when the results change and come back (kept in sessionStorage
//   until the cart form is sent), and are written into the snapshot.
// - A new search drops "search exactly" (the hidden `exact` field of the link "Search exactly for …").
// - On a phone the filters fold behind their "Filters" button (<details>: open when there is no script).
(function () {
  "use strict";

  const QTY_KEY = "catalog:typed-quantities";
  const NARROW = "(max-width: 767.98px)";

  function form() { return document.querySelector("form[data-catalog-form]"); }

  // What was typed in the search box before this script ran (the box has the focus as the page opens): the
  // server rendered the box from the address, so a value other than that one was typed.
  function typedEarly() {
    const filters = form();
    const q = filters && filters.elements.namedItem("q");
    return Boolean(q && q.value !== q.defaultValue);
  }

  // The search box and every filter as the address says (the search box kept when `keepTyped` and typed in).
  function fieldsFromAddress(keepTyped) {
    const filters = form();
    if (!filters) return;
    const params = new URLSearchParams(location.search);
    const q = filters.elements.namedItem("q");
    if (q && !(keepTyped && typedEarly())) q.value = params.get("q") || "";
    ["supplier", "category"].forEach(function (name) {
      const select = filters.elements.namedItem(name);
      if (!select) return;
      const wanted = (params.get(name) || "").toUpperCase();
      let found = false;
      Array.prototype.forEach.call(select.options, function (option) {
        const chosen = !found && option.value.toUpperCase() === wanted;
        option.selected = chosen;
        option.toggleAttribute("selected", chosen);
        found = found || chosen;
      });
      if (!found) select.value = "";
    });
    const attrs = params.getAll("attr");
    filters.querySelectorAll('input[type=checkbox][name="attr"]').forEach(function (box) {
      box.checked = attrs.indexOf(box.value) !== -1;
      box.toggleAttribute("checked", box.checked);
    });
    const exact = filters.querySelector("[data-catalog-exact]");
    if (exact && params.get("exact") !== "1") exact.remove();
    if (!exact && params.get("exact") === "1") {
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = "exact";
      field.value = "1";
      field.setAttribute("data-catalog-exact", "");
      filters.appendChild(field);
    }
  }

  function typedQuantities() {
    try { return JSON.parse(sessionStorage.getItem(QTY_KEY) || "{}") || {}; } catch (error) { return {}; }
  }

  function keepQuantities(quantities) {
    try { sessionStorage.setItem(QTY_KEY, JSON.stringify(quantities)); } catch (error) { /* storage full or off */ }
  }

  // Empty quantity fields get what was typed in them before (the server's own values win).
  function quantitiesBack(root) {
    const quantities = typedQuantities();
    (root || document).querySelectorAll("input[data-catalog-qty]").forEach(function (input) {
      const typed = quantities[input.dataset.catalogQty];
      if (typed && !input.value) input.value = typed;
    });
  }

  function foldFiltersOnAPhone() {
    const pane = document.querySelector("details[data-catalog-filter-pane]");
    if (pane && !pane.dataset.folded && window.matchMedia(NARROW).matches) {
      pane.open = false;
      pane.dataset.folded = "true";
    }
  }

  document.addEventListener("input", function (event) {
    const target = event.target;
    if (target.matches && target.matches("input[data-catalog-qty]")) {
      const quantities = typedQuantities();
      if (target.value) quantities[target.dataset.catalogQty] = target.value;
      else delete quantities[target.dataset.catalogQty];
      keepQuantities(quantities);
    } else if (target.id === "catalog-q") {
      const exact = form() && form().querySelector("[data-catalog-exact]");
      if (exact) exact.remove();
    }
  });

  // The search box asks as it is typed ("input"); its "change" when it loses focus would only ask again and
  // add the same address to the history: stopped before it reaches the form.
  document.addEventListener("change", function (event) {
    if (event.target.id === "catalog-q") event.stopPropagation();
  }, true);

  // The cart form sends the quantities: what the server refuses comes back typed, next to its error.
  document.addEventListener("submit", function (event) {
    if (event.target.id === "add-to-cart") sessionStorage.removeItem(QTY_KEY);
  });

  // htmx snapshots the page before it changes the address: what was typed goes into attributes first.
  document.addEventListener("htmx:beforeHistorySave", function () {
    document.querySelectorAll("input[data-catalog-qty]").forEach(function (input) {
      input.setAttribute("value", input.value);
    });
  });

  document.addEventListener("htmx:historyRestore", function () {
    fieldsFromAddress();
    quantitiesBack(document);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    quantitiesBack(event.detail && event.detail.target);
  });

  // A page restored from the back/forward cache. (A page that loads fires "pageshow" too, after its images:
  // by then the search box may hold what is being typed, and htmx is sending it.)
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    fieldsFromAddress(false);
    quantitiesBack(document);
  });

  // A page that opens, or is reloaded with the browser's own memory of its fields. What was typed in the search
  // box while the page was opening is kept and searched for: htmx was not listening yet (htmx is ready first,
  // its script comes before this one).
  document.addEventListener("DOMContentLoaded", function () {
    foldFiltersOnAPhone();
    const early = typedEarly();
    fieldsFromAddress(true);
    quantitiesBack(document);
    if (early && window.htmx) window.htmx.trigger(form(), "submit");
  });
})();
