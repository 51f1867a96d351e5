// Pages that hand the browser on to another system (the cart back to the ERP, the call-up of a
// supplier's shop) post their form at once; the button stays for a browser that runs no script.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  const form = document.querySelector("form[data-autosubmit]");
  if (form) form.submit();
});
