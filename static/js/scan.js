// Scans continuously with the rear camera and opens our door-tag URLs (/h/<token> on this site).
// Uses the browser's BarcodeDetector where it reads QR codes; otherwise loads the jsQR decoder (from npm).
(function () {
  var box = document.getElementById("scanner");
  if (!box || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    if (box) box.querySelector(".scan-status").textContent = box.getAttribute("data-no-camera");
    return;
  }
  var video = box.querySelector("video"), canvas = box.querySelector("canvas"), status = box.querySelector(".scan-status");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var decode = null, done = false, lastText = "";
  var TAG = new RegExp("^" + location.origin.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "/h/([A-Za-z0-9_-]{8,64})$");

  function say(text) { status.textContent = text; }

  function seen(text) {
    if (done || !text || text === lastText) return;
    lastText = text;
    if (TAG.test(text.trim())) {
      done = true;
      say(box.getAttribute("data-found"));
      location.assign(text.trim());
    } else {
      say(box.getAttribute("data-not-ours"));
    }
  }

  function withDecoder(ready) {
    if ("BarcodeDetector" in window) {
      BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") < 0) return loadJsQR(ready);
        var detector = new BarcodeDetector({ formats: ["qr_code"] });
        box.setAttribute("data-engine", "BarcodeDetector");
        ready(function () {
          return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        });
      }, function () { loadJsQR(ready); });
    } else {
      loadJsQR(ready);
    }
  }

  function loadJsQR(ready) {
    var script = document.createElement("script");
    script.src = box.getAttribute("data-decoder");
    script.onload = function () {
      box.setAttribute("data-engine", "jsQR");
      ready(function () {
        var w = video.videoWidth, h = video.videoHeight;
        if (!w || !h) return Promise.resolve(null);
        var scale = Math.min(1, 640 / Math.max(w, h));  // a smaller frame decodes faster on a cheap phone
        canvas.width = Math.round(w * scale); canvas.height = Math.round(h * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        return Promise.resolve(code ? code.data : null);
      });
    };
    document.head.appendChild(script);
  }

  function loop() {
    if (done) return;
    decode().then(seen, function () {}).then(function () { setTimeout(loop, 150); });
  }

  function start() {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      box.querySelector(".start").hidden = true;
      return video.play();
    }).then(function () {
      withDecoder(function (fn) { decode = fn; loop(); });
    }, function () {
      say(box.getAttribute("data-no-camera"));
      box.querySelector(".start").hidden = false;
    });
  }

  box.querySelector(".start").addEventListener("click", start);
  start();
})();
