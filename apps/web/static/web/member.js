// On-site check-in by position: ask the browser where the member stands, fill the hidden fields, submit the form.
// Without JavaScript (or without permission) the form still posts and the server says what is needed.
(function () {
  "use strict";
  var button = document.querySelector("[data-geo-checkin]");
  if (!button || !("geolocation" in navigator)) {
    return;
  }
  var form = button.form;
  var status = form.querySelector("[data-geo-status]");
  var help = form.querySelector("[data-geo-help]");
  if (help) {
    help.hidden = true;
  }
  button.addEventListener("click", function (event) {
    if (form.elements.latitude.value) {
      return; // already filled: let the form submit
    }
    event.preventDefault();
    button.disabled = true;
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.latitude.value = position.coords.latitude;
        form.elements.longitude.value = position.coords.longitude;
        form.elements.accuracy_m.value = Math.round(position.coords.accuracy || 0);
        form.elements.coord_system.value = "wgs84"; // browsers report WGS-84
        form.submit();
      },
      function () {
        button.disabled = false;
        status.textContent = button.dataset.denied;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 }
    );
  });
})();
