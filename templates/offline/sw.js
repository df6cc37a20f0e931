// fieldapp's service worker (version {{ version }}). It keeps the app shell on the phone and answers
// page loads from what it kept when there is no signal. Visits themselves wait in the page's outbox
// (IndexedDB, see outbox.js); this worker never sends anything by itself.
importScripts("{{ url_for('static', filename='js/common.js') }}");  // self.fieldapp: cache names, addresses
var app = self.fieldapp, SHELL_CACHE = app.cache.shell + "{{ version }}", PRECACHE = {{ precache|tojson }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    // A fingerprinted file (?v=<its hash>) in the browser's cache is the very file: taken from there, not
    // downloaded a second time. The pages are asked anew.
    return cache.addAll(PRECACHE.map(function (url) { return new Request(url, { cache: url.indexOf("?v=") > 0 ? "default" : "reload" }); }));
  }).then(function () { return self.skipWaiting(); }));
});

// The language was switched: keep the offline pages in the new one.
self.addEventListener("message", function (event) {
  if (event.data !== "refresh-shell") return;
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll([app.page.offline, app.page.outbox].map(function (url) { return new Request(url, { cache: "reload" }); }));
  }));
});

// A new version: the old shell goes, and so do the pages kept as last seen, made for the old scripts.
// They are fetched again at once (there is signal: this version was just downloaded), without holding
// up the pages meanwhile; one that is not is the offline page's until it is next opened with signal.
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    var old = names.filter(function (name) { return name.indexOf(app.cache.shell) === 0 && name !== SHELL_CACHE; });
    if (!old.length) return;
    return caches.open(app.cache.pages).then(function (cache) { return cache.keys(); }).then(function (kept) {
      return Promise.all(old.concat(app.cache.pages).map(function (name) { return caches.delete(name); })).then(function () {
        kept.forEach(function (request) { keepAgain(request.url); });  // not waited for
      });
    });
  }).then(function () { return self.clients.claim(); }));
});

function keepAgain(url) {
  fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (response.ok && !response.redirected) return caches.open(app.cache.pages).then(function (cache) { return cache.put(url, response); });
  }).catch(function () {});
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/icons/") === 0) {
    event.respondWith(kept(request));
  } else if (request.mode === "navigate") {
    event.respondWith(navigate(request, url));
  }
});

// Static files have their content's hash in the URL (?v=...): the one kept under that exact URL is the
// right one. Else the network; without it, the same file of another version (a page kept from before an
// update names the scripts of its day), which beats no script at all.
function kept(request) {
  return caches.match(request).then(function (hit) {
    return hit || fetch(request).catch(function (error) {
      return caches.match(request, { ignoreSearch: true }).then(function (older) { if (older) return older; throw error; });
    });
  });
}

// The network first, so what a volunteer sees is current; without it, the kept page or the offline page.
function navigate(request, url) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && app.kept(url.pathname)) {
      var copy = response.clone();
      caches.open(app.cache.pages).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }, function () {
    return caches.open(app.cache.pages).then(function (cache) {
      return cache.match(request).then(function (hit) { return hit || cache.match(request, { ignoreSearch: true }); });
    }).then(function (hit) {
      return hit || caches.match(url.pathname === app.page.outbox ? app.page.outbox : app.page.offline);
    });
  });
}
