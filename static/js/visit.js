// Adds what only the phone knows to the visit form: its clock and, if allowed, its position.
// The form works without this file; a missing or denied GPS fix never blocks a visit.
(function () {
  function fill(form) {
    var time = form.querySelector("[name=device_time]");
    if (time) time.value = new Date().toISOString();
  }
  function locate(form) {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("[name=lon]").value = pos.coords.longitude.toFixed(6);
      form.querySelector("[name=accuracy_m]").value = Math.round(pos.coords.accuracy);
    }, function () {}, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  function setUp(root) {
    var form = root.querySelector && root.querySelector("#visit-panel form");
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    locate(form);
    form.addEventListener("submit", function () { fill(form); });
    form.addEventListener("htmx:configRequest", function (event) { event.detail.parameters.device_time = new Date().toISOString(); });
  }
  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSwap", function () { setUp(document); });
})();
