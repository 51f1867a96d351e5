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
})();
