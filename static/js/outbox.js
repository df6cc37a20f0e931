// The outbox: a visit that cannot reach the server (no signal, a timeout, a server error) is kept in
// this phone's IndexedDB with its client_uuid and sent again, until the server has it. Sending the same
// client_uuid twice is harmless: the server stores a visit once. Sent when a page loads, when the
// network returns and on a timer; never through Background Sync, which WeChat's browser lacks.
(function () {
  if (!window.indexedDB || !window.fetch || !window.Promise) return;
  var STORE = "outbox", BATCH = 50, TIMER_MS = 30000, WALK_LIST_EVERY_MS = 10 * 60 * 1000;
  var app = window.fieldapp;
  var dbPromise, syncing = null;

  function meta(name) { var m = document.querySelector("meta[name=" + name + "]"); return m ? m.content : null; }
  // Who is signed in on this phone: pages say so; the offline page (which holds nothing personal) asks here.
  var pageUser = meta("fieldapp-user"), formerUser = localStorage.getItem("fieldapp.user");
  if (pageUser) localStorage.setItem("fieldapp.user", pageUser);
  else if (pageUser === "") localStorage.removeItem("fieldapp.user");
  // A page knows whom it was made for, even if another tab has logged out since.
  function currentUser() { return pageUser || localStorage.getItem("fieldapp.user"); }

  function open() {
    dbPromise = dbPromise || new Promise(function (resolve, reject) {
      var request = indexedDB.open("fieldapp", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "client_uuid" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return dbPromise;
  }
  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error); };
        result = work(t.objectStore(STORE));
      });
    });
  }
  function all() {
    return tx("readonly", function (store) {
      var out = [];
      store.openCursor().onsuccess = function (e) { var c = e.target.result; if (c) { out.push(c.value); c.continue(); } };
      return out;
    });
  }
  function put(item) { return tx("readwrite", function (store) { store.put(item); }); }
  function remove(uuid) { return tx("readwrite", function (store) { store.delete(uuid); }); }

  // A visit as the API takes it, read from the visit form exactly as the page would have sent it.
  function fromForm(form, tag) {
    var f = new FormData(form), talked = f.get("outcome") === "talked";
    function count(name) { var n = parseInt(f.get(name), 10); return talked && !isNaN(n) ? n : 0; }
    function number(name) { var n = parseFloat(f.get(name)); return isNaN(n) ? null : n; }
    // One count per mini-program when the district keeps a list (fields program_<id>); nothing for a 0.
    var programs = {};
    f.forEach(function (value, name) {
      var id = /^program_(\d+)$/.exec(name);
      if (id && count(name) > 0) programs[id[1]] = count(name);
    });
    return {
      client_uuid: f.get("client_uuid"), tag: tag, outcome: f.get("outcome") || "",
      people_reached: count("people_reached"), app_installs: count("app_installs"),
      realname_regs: count("realname_regs"), miniprogram_regs: count("miniprogram_regs"), program_regs: programs,
      notice_signed: talked && f.get("notice_signed") === "y", receipt_collected: talked && f.get("receipt_collected") === "y",
      note: (f.get("note") || "").trim(), lat: number("lat"), lon: number("lon"), accuracy_m: number("accuracy_m"),
      device_time: f.get("device_time") || new Date().toISOString()
    };
  }

  function add(visit, door) {
    var item = { client_uuid: visit.client_uuid, visit: visit, door: door || "", user: currentUser(),
                 saved_at: new Date().toISOString(), state: "waiting", message: "" };
    return put(item).then(refresh);
  }

  // Every call to our API goes through here: a 401 means the server no longer knows this phone's user.
  function withTimeout(url, options, ms) {
    var controller = window.AbortController ? new AbortController() : null, timer;
    if (controller) { options.signal = controller.signal; timer = setTimeout(function () { controller.abort(); }, ms); }
    options.credentials = "same-origin";
    return fetch(url, options).then(function (r) { clearTimeout(timer); if (r.status === 401) forgetKept(); return r; },
                                      function (e) { clearTimeout(timer); throw e; });
  }

  // Signed out (logout here, a session that expired, or logged out elsewhere): the pages and the walk list
  // kept for working without signal go, so nobody holding the phone reads them. The outbox stays: its
  // unsent visits are the volunteer's work, sent after logging in again.
  function forgetKept() {
    localStorage.removeItem("fieldapp.walkListAt");
    document.documentElement.removeAttribute("data-walk-list");
    if (!window.caches) return Promise.resolve();
    return Promise.all([caches.delete(app.cache.pages), caches.delete(app.cache.data)]).then(function () {
      document.documentElement.setAttribute("data-kept", "forgotten");
    });
  }

  var status = document.getElementById("outbox-status"), loginNeeded = false;
  function refresh() {
    return all().then(function (items) {
      var user = currentUser(), waiting = 0, refused = 0;
      items.forEach(function (i) { if (!user || i.user === user) { if (i.state === "waiting") waiting++; else refused++; } });
      if (status) {
        var parts = [];
        if (waiting) parts.push(status.getAttribute("data-waiting").replace("{n}", waiting));
        if (refused) parts.push(status.getAttribute("data-refused").replace("{n}", refused));
        if (waiting && loginNeeded) parts.push(status.getAttribute("data-login"));
        status.textContent = parts.join(" · ");
        status.hidden = !parts.length;
        status.setAttribute("data-count", waiting);
      }
      document.dispatchEvent(new CustomEvent("outbox:changed", { detail: { items: items, waiting: waiting } }));
      return items;
    });
  }

  // Send every waiting visit of the signed-in user; each answer settles one visit.
  function sync() {
    if (syncing) return syncing;
    syncing = all().then(function (items) {
      var user = currentUser();
      var waiting = items.filter(function (i) { return i.state === "waiting" && i.user === user; });
      if (!waiting.length || !user) return;
      return withTimeout(app.api.session, { cache: "no-store" }, 15000).then(function (r) {
        loginNeeded = r.status === 401;
        if (!r.ok) return;
        return r.json().then(function (session) {
          if (session.user.username !== user) return;  // another account on this phone: theirs wait
          var chain = Promise.resolve();
          for (var i = 0; i < waiting.length; i += BATCH) chain = chain.then(sendBatch.bind(null, waiting.slice(i, i + BATCH), session.csrf_token));
          return chain;
        });
      });
    }).catch(function () { /* offline or timed out: the timer tries again */ }).then(function () {
      syncing = null;
      return refresh();
    });
    return syncing;
  }

  function sendBatch(items, csrf) {
    var sentAt = new Date().toISOString();
    var body = JSON.stringify({ visits: items.map(function (i) { var v = {}; for (var k in i.visit) v[k] = i.visit[k]; v.sent_at = sentAt; return v; }) });
    return withTimeout(app.api.batch, { method: "POST", body: body,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf } }, 30000).then(function (r) {
      if (!r.ok) throw new Error("batch " + r.status);  // a server error: keep everything, retry later
      return r.json();
    }).then(function (answer) {
      return Promise.all(answer.results.map(function (result) {
        var item = items[result.index];
        if (result.status === 200 || result.status === 201) return remove(item.client_uuid);
        // Refused for good (409, 422, 404): kept, shown, and can be saved as a file for the supervisor.
        item.state = "refused";
        item.message = result.message + (result.fields ? ": " + Object.keys(result.fields).map(function (k) { return result.fields[k]; }).join(" ") : "");
        return put(item);
      }));
    });
  }

  // The door page: when its form cannot reach the server, the visit goes to the outbox instead.
  function keepFailedVisit(event) {
    var form = event.target.closest ? event.target.closest("#visit-panel form[data-tag]") : null;
    if (!form) return;
    var status = event.type === "htmx:responseError" && event.detail.xhr ? event.detail.xhr.status : 0;
    // 4xx other than these are the form's own answer; 400 is an expired session's CSRF token.
    if (status && status < 500 && [400, 401, 403].indexOf(status) < 0) return;
    if (status && status < 500) loginNeeded = true;
    if (!form.querySelector("[name=outcome]:checked")) return;  // nothing to keep: the form is not filled in
    var visit = fromForm(form, form.getAttribute("data-tag"));
    var door = document.querySelector("[data-door-label]");
    add(visit, door ? door.getAttribute("data-door-label") : "").then(function () {
      showSaved(form);
      sync();
    });
  }
  function showSaved(form) {
    var panel = document.getElementById("visit-panel"), template = panel && panel.querySelector("template.saved-on-phone");
    if (template) panel.replaceWith(template.content.cloneNode(true));
  }
  ["htmx:sendError", "htmx:timeout", "htmx:responseError"].forEach(function (name) { document.addEventListener(name, keepFailedVisit); });
  // Signed out meanwhile (the answer is the login page): keep the visit; it is sent after logging in again.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || !xhr.responseURL || new URL(xhr.responseURL).pathname !== app.page.login) return;
    var panel = document.getElementById("visit-panel"), form = panel && panel.querySelector("form[data-tag]");
    if (!form || !panel.contains(event.target) || !form.querySelector("[name=outcome]:checked")) return;
    event.detail.shouldSwap = false;
    loginNeeded = true;
    keepFailedVisit({ target: form, type: "signed-out", detail: {} });
  });

  // Logging out with visits still on the phone: say so first.
  document.addEventListener("submit", function (event) {
    if (!event.target.hasAttribute("data-logout")) return;
    var count = status ? parseInt(status.getAttribute("data-count") || "0", 10) : 0;
    if (count && !window.confirm(status.getAttribute(count === 1 ? "data-logout-warning-one" : "data-logout-warning").replace("{n}", count))) { event.preventDefault(); return; }
    forgetKept();
  });

  // Keep this user's walk list (buildings, doors, tag tokens) on the phone for scanning without signal.
  function saveWalkList() {
    var user = currentUser(), stamp = localStorage.getItem("fieldapp.walkListAt") || "";
    if (!user || !window.caches || !navigator.onLine) return;
    if (stamp.split("|")[0] === user && Date.now() - parseInt(stamp.split("|")[1], 10) < WALK_LIST_EVERY_MS) {
      document.documentElement.setAttribute("data-walk-list", "saved");
      return;
    }
    withTimeout(app.api.walkList, { cache: "no-store" }, 30000).then(function (r) {
      if (!r.ok) return;
      return caches.open(app.cache.data).then(function (cache) { return cache.put(app.api.walkList, r); }).then(function () {
        return caches.open(app.cache.pages).then(function (cache) { return cache.addAll([app.page.today, app.page.scan]); });
      }).then(function () {
        localStorage.setItem("fieldapp.walkListAt", user + "|" + Date.now());
        document.documentElement.setAttribute("data-walk-list", "saved");
      });
    }).catch(function () {});
  }

  window.fieldappOutbox = { add: add, all: all, remove: remove, put: put, sync: sync, refresh: refresh,
                            fromForm: fromForm, showSaved: showSaved, user: currentUser };

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(app.worker).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      document.documentElement.setAttribute("data-sw", "ready");
      var lang = document.documentElement.lang, kept = localStorage.getItem("fieldapp.lang");
      if (kept && kept !== lang && registration.active) registration.active.postMessage("refresh-shell");
      localStorage.setItem("fieldapp.lang", lang);
      saveWalkList();
    }).catch(function () {});
  }
  refresh().then(sync);
  // A page made for no one on a phone that had a user (the login page after a session expired): ask the
  // API, whose 401 clears what was kept, even when no visit waits to be sent.
  if (pageUser === "" && formerUser) withTimeout(app.api.session, { cache: "no-store" }, 15000).catch(function () {});
  window.addEventListener("online", sync);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) sync(); });
  setInterval(function () { if (status && status.getAttribute("data-count") !== "0") sync(); }, TIMER_MS);
})();
