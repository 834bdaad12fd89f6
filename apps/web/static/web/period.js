/* The dashboard's period: only the inputs the chosen kind reads are shown. Each input's box lists those kinds in
   data-kinds (from PERIOD_FIELDS in apps/web/dashboard/forms.py); the server renders the first view the same way, and
   without scripts every input stays visible (period-noscript.css). A hidden input keeps its value and is sent as
   before (the server ignores it), unless the browser finds it invalid: then it is disabled, so that an input nobody
   can see never stops the form from being sent. */
(function () {
  var kind = document.getElementById("id_kind");
  if (!kind || !kind.form) { return; }
  var boxes = kind.form.querySelectorAll("[data-kinds]");

  function follow() {
    var chosen = kind.value || "year";
    boxes.forEach(function (box) {
      box.hidden = box.getAttribute("data-kinds").split(" ").indexOf(chosen) < 0;
      box.querySelectorAll("input, select").forEach(function (control) {
        control.disabled = false;
        control.disabled = box.hidden && !control.validity.valid;
      });
    });
  }

  kind.addEventListener("change", follow);
  follow();
})();
