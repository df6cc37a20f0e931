// The door-tag scanner of /scan: the rear camera, scanned continuously with the browser's
// BarcodeDetector where it reads QR codes, else with jsQR (loaded only then). A QR holding one
// of our door URLs opens that door; anything else is reported and scanning goes on. Without a
// camera the typed-code form below still works: this file only adds to the page.
(function () {
  var root = document.getElementById("scanner");
  if (!root) return;
  var video = root.querySelector("video");
  var status = document.getElementById("scan-status");
  var retry = document.getElementById("scan-retry");
  var INTERVAL = 150;     // ms between two looks at the camera
  var MAX_SIDE = 640;     // jsQR reads a frame scaled down to this, for slow phones
  var FOREIGN_FOR = 3000; // ms the "not our tag" message stays once that QR is out of sight
  var stream = null, decode = null, choosing = false, timer = null, starting = false, wanted = true, foreignAt = 0;
  var canvas, context;

  function say(key, warn) {
    status.textContent = root.getAttribute("data-msg-" + key);
    status.className = "scan-status" + (warn ? " warn" : "");
    status.setAttribute("data-state", key);
  }

  // The door a scanned text leads to (same origin, /h/<token>), or null for anything else.
  function doorUrl(text) {
    text = String(text || "").trim();
    if (!/^https?:\/\//i.test(text)) return null;  // absolute URLs only: "h/x" must not resolve against us
    var url;
    try { url = new URL(text); } catch (e) { return null; }
    if (url.origin !== location.origin || !window.fieldapp.door.test(url.pathname)) return null;
    return url.origin + url.pathname;
  }

  function read(texts) {
    for (var i = 0; i < texts.length; i++) {
      var url = doorUrl(texts[i]);
      if (url) { wanted = false; stop(); say("found"); location.assign(url); return true; }
    }
    if (texts.length) { foreignAt = Date.now(); say("foreign", true); }
    else if (foreignAt && Date.now() - foreignAt > FOREIGN_FOR) { foreignAt = 0; say("scanning"); }
    return false;
  }

  function withDetector(detector) {
    return function (done) {
      detector.detect(video).then(function (codes) {
        done(codes.map(function (code) { return code.rawValue; }));
      }, function () { done([]); });
    };
  }

  function withJsQR(done) {
    var scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    var w = Math.round(video.videoWidth * scale), h = Math.round(video.videoHeight * scale);
    if (!w || !h) return done([]);
    if (!canvas) {
      canvas = document.createElement("canvas");
      context = canvas.getContext("2d", { willReadFrequently: true });
    }
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    context.drawImage(video, 0, 0, w, h);
    var code = window.jsQR(context.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" });
    done(code ? [code.data] : []);
  }

  function loadJsQR(ready) {
    if (window.jsQR) return ready(withJsQR, "jsqr");
    var script = document.createElement("script");
    script.src = root.getAttribute("data-jsqr");
    script.onload = function () { ready(withJsQR, "jsqr"); };
    script.onerror = function () { fail("failed", true); };
    document.head.appendChild(script);
  }

  function chooseDecoder(ready) {
    var Detector = window.BarcodeDetector;
    if (!Detector || !Detector.getSupportedFormats) return loadJsQR(ready);
    Detector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) return loadJsQR(ready);
      ready(withDetector(new Detector({ formats: ["qr_code"] })), "barcodedetector");
    }, function () { loadJsQR(ready); });
  }

  function tick() {
    timer = null;
    if (!stream || !decode) return;
    if (video.readyState < 2) { timer = setTimeout(tick, INTERVAL); return; }
    try {
      decode(function (texts) {
        if (stream && !read(texts)) timer = setTimeout(tick, INTERVAL);
      });
    } catch (e) {  // one bad frame must not end the scanning
      timer = setTimeout(tick, INTERVAL);
    }
  }

  function start() {
    if (stream || starting) return;
    wanted = true;
    retry.hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return fail(window.isSecureContext === false ? "insecure" : "nocamera", false);
    }
    starting = true;
    root.className = "card scanner";
    say("starting");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      starting = false;
      if (document.hidden) { s.getTracks().forEach(function (t) { t.stop(); }); return; }
      stream = s;
      video.srcObject = s;
      var playing = video.play();
      if (playing && playing.catch) playing.catch(function () {});
      root.className = "card scanner live";
      say("scanning");
      if (decode) return tick();
      if (choosing) return;
      choosing = true;
      chooseDecoder(function (decoder, name) {
        choosing = false;
        decode = decoder;
        root.setAttribute("data-decoder", name);
        tick();
      });
    }, function (error) {
      starting = false;
      var name = error && error.name;
      fail(name === "NotAllowedError" || name === "PermissionDeniedError" || name === "SecurityError"
        ? "denied" : "nocamera", true);
    });
  }

  // No scanning: say why, fold the empty viewfinder away, and offer to try again where that may help.
  function fail(key, canRetry) {
    wanted = false;
    choosing = false;
    stop();
    root.className = "card scanner off";
    say(key, true);
    retry.hidden = !canRetry;
  }

  function stop() {
    if (timer) clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    root.className = "card scanner";
  }

  root.hidden = false;
  retry.addEventListener("click", start);
  // Free the camera when the page is left or hidden; take it again when it comes back.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) stop();
    else if (wanted) start();
  });
  window.addEventListener("pagehide", stop);
  window.addEventListener("pageshow", function (event) { if (event.persisted) start(); });  // back from a door
  start();
})();
