/* Management pages. A form marked data-busy shows its note and cannot be sent twice while the server works; an
   import being checked carries on by itself, a chunk of rows per request (without scripts, its button does it). */
(function () {
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      var note = form.querySelector(".busy-note");
      if (note) { note.hidden = false; }
    });
  });
  var step = document.getElementById("continue-check");
  if (step) { step.submit(); }
})();
