// Behaviour of every page, bound by event delegation to data- attributes: the Content-Security-Policy
// allows scripts from our own static files only, so templates carry no inline script or on*= handler.
(function () {
  "use strict";

  // <select data-autosubmit>: choosing submits its form. With data-autosubmit="keep-location" the form's
  // `next` field first takes the address shown now (htmx may have changed it since the page was rendered).
  document.addEventListener("change", function (event) {
    const select = event.target.closest("select[data-autosubmit]");
    if (!select || !select.form) return;
    if (select.dataset.autosubmit === "keep-location" && select.form.elements.next) {
      select.form.elements.next.value = location.pathname + location.search;
    }
    select.form.submit();
  });

  // <form data-confirm="Question?">: submitted only when the person confirms.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // Every POST form acts once: after its submit its buttons are disabled until the next page (a double
  // click sends one request). Disabled a moment later, not here: a disabled button's name=value (the
  // `action` of the cart form, the decision of the e-mail page) would be left out of what is sent. A form
  // refused by data-confirm, sent by htmx or into another window (target) is left alone.
  // <form data-allow-resubmit> opts out.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method !== "post" || form.hasAttribute("data-allow-resubmit")) return;
    if (form.dataset.submitting === "true") { event.preventDefault(); return; }
    if (event.defaultPrevented || (form.target && form.target !== "_self")) return;
    form.dataset.submitting = "true";
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach(function (button) {
        if (button.disabled) return;
        button.disabled = true;
        button.dataset.disabledBySubmit = "true";
      });
      if (form.id) {
        document.querySelectorAll('[type=submit][form="' + CSS.escape(form.id) + '"]').forEach(function (button) {
          if (button.disabled) return;
          button.disabled = true;
          button.dataset.disabledBySubmit = "true";
        });
      }
    }, 0);
  });
  // Back (or Forward) restores a page from the back/forward cache as it was left: with its buttons disabled.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("[data-disabled-by-submit]").forEach(function (button) {
      button.disabled = false;
      delete button.dataset.disabledBySubmit;
    });
    document.querySelectorAll("form[data-submitting]").forEach(function (form) { delete form.dataset.submitting; });
  });

  document.addEventListener("click", function (event) {
    // <input type="checkbox" data-check-all="selected">: ticks or clears every checkbox named `selected`.
    const all = event.target.closest("input[type=checkbox][data-check-all]");
    if (all) {
      document.querySelectorAll('input[type=checkbox][name="' + CSS.escape(all.dataset.checkAll) + '"]')
        .forEach(function (box) { box.checked = all.checked; });
      return;
    }
    // <button data-split-dialog="id" data-action="url" data-line="n">: one dialog serves every line.
    const opener = event.target.closest("button[data-split-dialog]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.splitDialog);
      dialog.querySelector("form").action = opener.dataset.action;
      dialog.querySelector("[data-split-line]").textContent = opener.dataset.line;
      dialog.showModal();
      return;
    }
    // <button data-close-dialog>: closes the dialog it sits in.
    const closer = event.target.closest("button[data-close-dialog]");
    if (closer) closer.closest("dialog").close();
  });

  // [data-progress]: a bar whose width is the percent it names (set here: the policy allows no style="").
  function showProgress(root) {
    root.querySelectorAll("[data-progress]").forEach(function (bar) {
      const percent = Math.max(0, Math.min(100, Number(bar.dataset.progress) || 0));
      bar.style.width = percent + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { showProgress(document); });
  document.addEventListener("htmx:load", function (event) { showProgress(event.target); });

  // table.dense and table.table-stack become one card per row on a phone (app.css); each cell shows its column's
  // header, which it takes from data-label. Filled here from the last header row (colspans counted), at load and
  // after every htmx swap. A cell that has a data-label already (set by its template, "" for none) keeps it.
  function labelTables() {
    document.querySelectorAll("table.dense, table.table-stack").forEach(function (table) {
      const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
      if (!head) return;
      const labels = [];
      Array.prototype.forEach.call(head.cells, function (th) {
        const text = (th.dataset.label !== undefined ? th.dataset.label : th.textContent).replace(/\s+/g, " ").trim();
        for (let i = 0; i < (th.colSpan || 1); i++) labels.push(text);
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          let column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            if (!cell.hasAttribute("data-label") && labels[column] !== undefined) cell.dataset.label = labels[column];
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", labelTables);
  document.addEventListener("htmx:afterSwap", labelTables);
  document.addEventListener("htmx:load", labelTables);
})();
