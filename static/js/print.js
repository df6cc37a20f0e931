// The case file's "Print / save as PDF" button: shown only when this script runs (without it the page says to use
// the browser's menu). Opened as ...#print (the household page's button), it prints at once.
document.addEventListener("DOMContentLoaded", function () {
  var buttons = document.querySelectorAll("[data-print]");
  buttons.forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  if (location.hash === "#print") {
    history.replaceState(null, "", location.pathname + location.search);  // a reload does not print again
    window.print();
  }
});
