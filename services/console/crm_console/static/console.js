// The console's own script (no inline script anywhere: the CSP forbids it).
// Language choice: submit on change for mouse users; the button stays for keyboard users.
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("lang-choice");
  if (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
  // A progress bar that polls itself (CSV import) is updated by htmx; nothing else to do here.
});
