// The visit form on a phone: steppers, the phone's clock and GPS fix. The form works without this file;
// a missing or denied GPS fix never blocks a visit (it is stored as "no GPS").
(function () {
  var root = document.documentElement;
  root.className += " js";

  function field(form, name) { return form.querySelector("[name=" + name + "]"); }
  function value(input) { var n = parseInt(input.value, 10); return isNaN(n) ? 0 : n; }

  function step(form, button) {
    var input = document.getElementById(button.getAttribute("data-for"));
    // The field's max says how many this door may count (a school more than a household).
    var most = parseInt(input.getAttribute("max"), 10) || 99;
    var next = Math.max(0, Math.min(most, value(input) + parseInt(button.getAttribute("data-step"), 10)));
    input.value = next;
    // Installs and registrations are of people reached: keep "people" at least as large.
    var people = field(form, "people_reached");
    if (input !== people && next > value(people)) people.value = next;
  }

  function showOutcome(form) {
    var chosen = form.querySelector("[name=outcome]:checked");
    form.classList.toggle("not-talked", !!chosen && chosen.value !== "talked");
  }

  function locate(form) {
    var status = form.querySelector(".gps-status");
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      field(form, "lat").value = pos.coords.latitude.toFixed(6);
      field(form, "lon").value = pos.coords.longitude.toFixed(6);
      field(form, "accuracy_m").value = Math.round(pos.coords.accuracy);
      if (status) { status.hidden = false; status.textContent = status.getAttribute("data-label") + " ±" + Math.round(pos.coords.accuracy) + " m"; }
    }, function () {
      if (status) { status.hidden = false; status.textContent = status.getAttribute("data-none") || ""; }
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 });
  }

  function setUp() {
    var form = document.querySelector("#visit-panel form");
    if (!form || form.getAttribute("data-ready")) return;
    form.setAttribute("data-ready", "1");
    locate(form);
    showOutcome(form);
    form.addEventListener("click", function (event) {
      var button = event.target.closest(".step");
      if (button) { event.preventDefault(); step(form, button); }
    });
    form.addEventListener("change", function () { showOutcome(form); });
    // The phone's clock as the visit is sent: one value, so a resend from the outbox carries the same.
    form.addEventListener("submit", function () { if (!window.htmx) field(form, "device_time").value = new Date().toISOString(); });
    form.addEventListener("htmx:configRequest", function (event) {
      var stamp = field(form, "device_time");
      stamp.value = new Date().toISOString();
      event.detail.parameters.device_time = stamp.value;
    });
  }
  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:afterSwap", setUp);
})();
