// The review desk's keyboard, loaded on the desk only: j/k move, a approve, r reject and i has issues (both ask a
// reason inline, Enter sends), x select, ? help. Every verdict is the row's own form (htmx swaps the row and the
// tallies); this file only presses its buttons, so the page does the same without JavaScript.
(function () {
  "use strict";
  var table = document.getElementById("desk-table") || document.createElement("table"); // none: no visit matches
  var help = document.getElementById("desk-help");
  var current = null; // the id of the row the cursor is on: rows are replaced after each verdict

  function rows() { return Array.prototype.slice.call(table.querySelectorAll("tbody tr.desk-row")); }
  function row() { return current && document.getElementById("desk-" + current); }

  function mark() {
    rows().forEach(function (r) { r.classList.toggle("current", r.dataset.id === current); });
    var r = row();
    if (r) r.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function move(step) {
    var all = rows();
    var at = all.indexOf(row());
    var next = all[Math.max(0, Math.min(all.length - 1, at + step))] || all[0];
    if (next) { current = next.dataset.id; mark(); }
  }

  function send(r, status) {
    var button = r.querySelector("button[value=" + status + "]");
    if (!button) return;
    move(1); // the cursor goes on while the server answers
    button.click();
  }

  function ask(r, status) {
    var input = r.querySelector("input[name=comment]");
    if (!input) return;
    input.dataset.status = status;
    input.focus();
  }

  // Enter in a reason sends it with the verdict asked for; Esc goes back to the table.
  table.addEventListener("keydown", function (event) {
    var input = event.target;
    if (input.name !== "comment") return;
    var r = input.closest("tr");
    if (event.key === "Enter") {
      event.preventDefault();
      current = r.dataset.id;
      input.blur();
      send(r, input.dataset.status || "has_issues");  // typed without r or i: as the form does without JS
    } else if (event.key === "Escape") {
      input.blur();
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.matches && target.matches("input[type=text], input[type=number], input[type=date], select, textarea")) return;
    var r = row();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a": if (r) send(r, "approved"); break;
      case "r": if (r) ask(r, "rejected"); break;
      case "i": if (r) ask(r, "has_issues"); break;
      case "x":
        var box = r && r.querySelector("input[type=checkbox]");
        if (box) box.checked = !box.checked;
        break;
      case "?": help.hidden = !help.hidden; break;
      default: return;
    }
    event.preventDefault();
  });

  // A swapped row comes back without the cursor's mark (htmx:load fires on the new row; the old one is gone).
  document.body.addEventListener("htmx:load", mark);

  // Select all on this page: a box that only makes sense with JavaScript, so it shows only then.
  var all = document.getElementById("desk-select-page");
  if (all) {
    all.hidden = false;
    all.nextElementSibling.hidden = false;
    all.addEventListener("change", function () {
      rows().forEach(function (r) {
        var box = r.querySelector("input[type=checkbox]");
        if (box) box.checked = all.checked;
      });
    });
  }

  move(0);
})();
