// The coverage map (templates/areas/map.html): draws the buildings and the day's visits of map.json with Leaflet
// over the page's tables, which already say the same without JavaScript. Loaded only by that page.
(function () {
  "use strict";
  var box = document.getElementById("map");
  var self = document.currentScript;
  if (!box || !window.fetch) return;
  var map;

  function note(text) {
    var p = document.getElementById("map-note");
    p.textContent = text;
    p.hidden = false;
  }

  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // A popup of plain text lines, built when it opens (a station's day is hundreds of markers) (names come from users: never parsed as HTML); a line may be [text, href].
  function popup(lines, badges) {
    var root = document.createElement("div");
    root.className = "map-popup";
    lines.forEach(function (line) {
      if (!line) return;
      var p = document.createElement("p");
      if (Array.isArray(line)) {
        var a = document.createElement("a");
        a.href = line[1];
        a.textContent = line[0];
        p.appendChild(a);
      } else {
        p.textContent = line;
      }
      root.appendChild(p);
    });
    (badges || []).forEach(function (text) {
      var span = document.createElement("span");
      span.className = "badge warn";
      span.textContent = text;
      root.appendChild(span);
      root.appendChild(document.createTextNode(" "));
    });
    return root;
  }

  function icon(className, size) {
    return L.divIcon({ className: className, iconSize: [size, size] });
  }

  // Stacked as they matter: visits that look wrong on top, then buildings, then the visits at their doors.
  function draw(data) {
    var points = [];
    var layers = [];
    var buildings = {};
    data.buildings.forEach(function (b) {
      if (b.lat === null || b.lon === null) return;
      buildings[b.id] = [b.lat, b.lon];
      points.push([b.lat, b.lon]);
      layers.push(L.marker([b.lat, b.lon], {
        icon: icon("map-building cov-" + (b.bucket === null ? "none" : b.bucket), 24),
        title: b.name + " · " + b.summary,
        zIndexOffset: 10000,
      }).bindPopup(function () { return popup([[b.name, b.url], b.place, b.summary]); }));
    });
    (data.visits || []).forEach(function (v) {
      if (v.lat === null || v.lon === null) return;
      points.push([v.lat, v.lon]);
      var far = v.flags.some(function (flag) { return flag.code === "far"; });
      if (far && buildings[v.building_id]) {
        layers.push(L.polyline([[v.lat, v.lon], buildings[v.building_id]], { className: "map-far-line", interactive: false }));
      }
      var labels = v.flags.concat(v.signals).map(function (item) { return item.label; });
      layers.push(L.marker([v.lat, v.lon], {
        icon: icon("map-visit" + (v.looks_wrong ? " flagged" : ""), 24),
        title: v.time + " " + v.door,
        zIndexOffset: v.looks_wrong ? 20000 : 0,
      }).bindPopup(function () {
        return popup([v.time + " · " + v.outcome, v.door, v.score_text, v.review, [box.dataset.logText, v.log_url]], labels);
      }));
    });
    if (!points.length) {
      box.hidden = true;
      note(box.dataset.empty);
      return;
    }
    // The view first, then the layers: each is placed once, at the zoom it will be seen at, a few dozen per task so
    // that a station's busy day never holds a cheap phone's main thread for long (a tap stays answered).
    map.fitBounds(points, { padding: [28, 28], maxZoom: 18 });
    var group = L.layerGroup().addTo(map);
    (function addSome(from) {
      layers.slice(from, from + 40).forEach(function (layer) { group.addLayer(layer); });
      if (from + 40 < layers.length) setTimeout(addSome, 0, from + 40);
    })(0);
  }

  function failed() {
    box.hidden = true;
    note(box.dataset.failed);
  }

  function start(data) {
    map = L.map(box, { zoomSnap: 0.5 });
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, {
        subdomains: box.dataset.subdomains || "abc",
        attribution: escapeText(box.dataset.attribution || ""),
        maxZoom: 18,
      }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    draw(data);
  }

  // Leaflet's stylesheet before ours (ours overrides it), its script, and the data: all three asked for at once.
  function load(done) {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = self.dataset.leafletCss;
    document.head.insertBefore(css, document.getElementById("map-css"));
    var leaflet = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = self.dataset.leafletJs;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
    var data = fetch(box.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); });
    Promise.all([data, leaflet]).then(function (both) { start(both[0]); }).catch(failed);
  }

  // The page's words and tables paint first (a phone on a slow link reads them at once); the map follows.
  function afterPaint() {
    requestAnimationFrame(function () { setTimeout(load, 0); });
  }
  if (document.readyState === "complete") afterPaint();
  else window.addEventListener("load", afterPaint);
})();
