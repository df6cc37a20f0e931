// The page a phone keeps for when there is no signal. What it shows depends on the address asked for:
// a door (/h/<token>) gets the visit form, saved into the outbox; /outbox lists what waits to be sent;
// /today and /areas/<id> list buildings and doors from the walk list this phone saved; /code finds a
// typed code in it. Nothing personal is in the page itself: it all comes from this phone's own storage.
(function () {
  var app = window.fieldapp, outbox = window.fieldappOutbox, text = JSON.parse(document.getElementById("offline-text").textContent);
  var path = location.pathname;

  function show(view) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-view]"), function (el) {
      el.hidden = (" " + el.getAttribute("data-view") + " ").indexOf(" " + view + " ") < 0;
    });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function walkList() {
    if (!window.caches) return Promise.resolve(null);
    return caches.match(app.api.walkList).then(function (r) { return r ? r.json() : null; }).catch(function () { return null; });
  }
  function findSite(list, test) {
    var found = null;
    (list ? list.buildings : []).forEach(function (b) { b.sites.forEach(function (s) { if (!found && test(s)) found = { site: s, building: b }; }); });
    return found;
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) h.push((b[i] + 256).toString(16).slice(1));
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") + "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  function visitView(token) {
    show("visit");
    var form = document.querySelector("form[data-offline]");
    form.querySelector("[name=client_uuid]").value = uuid();
    var door = "";
    walkList().then(function (list) {
      var hit = findSite(list, function (s) { return s.tag === token; });
      if (hit) {
        door = hit.building.name + " " + hit.site.door;
        document.querySelector("[data-door]").textContent = hit.site.door;
        document.querySelector("[data-where]").textContent = hit.building.parent + " · " + hit.building.name;
        document.title = hit.site.door;
      } else {
        document.querySelector("[data-unknown]").hidden = false;
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!form.querySelector("[name=outcome]:checked")) {
        form.querySelector(".outcomes").classList.add("has-error");
        return;
      }
      form.querySelector("[name=device_time]").value = new Date().toISOString();
      var visit = outbox.fromForm(form, token);
      form.querySelector("button[type=submit]").disabled = true;
      outbox.add(visit, door).then(function () { outbox.showSaved(form); outbox.sync(); });
    });
  }

  function outboxView() {
    show("outbox");
    var list = document.querySelector("[data-list]"), summary = document.querySelector("[data-summary]");
    function render(items) {
      var user = outbox.user(), mine = items.filter(function (i) { return !user || i.user === user; });
      mine.sort(function (a, b) { return a.saved_at < b.saved_at ? 1 : -1; });  // the latest first
      var waiting = mine.filter(function (i) { return i.state === "waiting"; }).length;
      summary.textContent = mine.length ? text.summary.replace("{waiting}", waiting).replace("{refused}", mine.length - waiting) : text.empty;
      list.textContent = "";
      mine.forEach(function (item) {
        var v = item.visit, li = el("li", { "class": "outbox-item " + item.state }, [
          el("strong", {}, [item.door || v.tag]), " ",
          el("span", {}, [text.outcomes[v.outcome] || v.outcome]), " ",
          el("span", { "class": "muted" }, [new Date(v.device_time).toLocaleString()]), el("br"),
          el("span", { "class": "state" }, [item.state === "waiting" ? text.waiting : text.refused + ": " + item.message])
        ]);
        if (item.state !== "waiting") {
          var discard = el("button", { type: "button", "class": "link danger" }, [text.discard]);
          discard.addEventListener("click", function () { if (confirm(text.confirm_discard)) outbox.remove(item.client_uuid).then(outbox.refresh); });
          li.appendChild(discard);
        }
        list.appendChild(li);
      });
    }
    document.addEventListener("outbox:changed", function (e) { render(e.detail.items); });
    outbox.all().then(render);
    document.querySelector("[data-send]").addEventListener("click", function () { outbox.sync(); });
    document.querySelector("[data-save-file]").addEventListener("click", function () {
      outbox.all().then(function (items) {
        var user = outbox.user(), mine = items.filter(function (i) { return i.user === user; });
        var file = { format: "fieldapp-outbox", version: 1, user: user, saved_at: new Date().toISOString(),
                     visits: mine.map(function (i) { return i.visit; }) };
        var a = el("a", { href: URL.createObjectURL(new Blob([JSON.stringify(file, null, 1)], { type: "application/json" })),
                          download: "fieldapp-outbox-" + (user || "") + "-" + new Date().toISOString().slice(0, 10) + ".json" });
        document.body.appendChild(a); a.click(); a.remove();
      });
    });
  }

  function walkView() {
    walkList().then(function (list) {
      if (!list) { show("missing"); return; }
      show("walk");
      var ul = document.querySelector("[data-buildings]");
      list.buildings.forEach(function (b) {
        var left = Math.max(0, b.resident_households - b.households_covered);
        ul.appendChild(el("li", {}, [el("a", { href: app.areaPath(b.id) }, [
          el("span", {}, [el("strong", {}, [b.name]), el("span", { "class": "where" }, [b.parent])]),
          el("span", { "class": "left" }, [text.left.replace("{n}", left)])])]));
      });
    });
  }

  function buildingView(id) {
    walkList().then(function (list) {
      var building = list && list.buildings.filter(function (b) { return b.id === id; })[0];
      if (!building) { show("missing"); return; }
      show("building");
      document.querySelector("[data-building-name]").textContent = building.parent + " · " + building.name;
      var ul = document.querySelector("[data-rooms]");
      building.sites.forEach(function (s) {
        if (!s.tag) return;
        ul.appendChild(el("a", { "class": s.last_outcome || "", href: app.doorPath(s.tag) }, [s.door]));
      });
    });
  }

  function codeView() {
    var code = app.normaliseCode(new URLSearchParams(location.search).get("c"));
    walkList().then(function (list) {
      var hit = findSite(list, function (s) { return s.short_code === code; });
      if (hit) { location.replace(app.doorPath(hit.site.tag)); return; }
      show("missing");
      document.querySelector("[data-view=missing] p").textContent = text.code_unknown;
    });
  }

  var door = path.match(app.door), area = path.match(app.area);
  if (!outbox.user() && path !== app.page.outbox) {
    show("missing");
    document.querySelector("[data-view=missing] p").textContent = text.not_logged_in;
  } else if (door) visitView(door[1]);
  else if (path === app.page.outbox) outboxView();
  else if (path === app.page.today || path === app.page.home) walkView();
  else if (area) buildingView(parseInt(area[1], 10));
  else if (path === app.page.code) codeView();
  else show("missing");
})();
