// What the pages, the outbox and the service worker must agree on, written once: the names of the
// caches, the addresses they ask for or answer, and how a typed door code is read. Loaded first on
// every page (base.html) and by the service worker (importScripts); tests/browser/test_offline.py
// checks the addresses against the server's routes and the code against fieldapp/sites/scan.py.
self.fieldapp = (function () {
  var page = { home: "/", today: "/today", scan: "/scan", code: "/code", outbox: "/outbox", offline: "/offline", login: "/login" };
  var area = /^\/areas\/(\d+)$/;
  // Spaces of any width and dashes of any kind: scan.py's SEPARATORS as they stand after NFKC.
  var separators = /[\t-\r\x1c-\x20\x85\u1680\u2028\u2029\u2010-\u2015\u2212-]+/g;
  return {
    cache: { shell: "fieldapp-shell-", pages: "fieldapp-pages", data: "fieldapp-data" },
    api: { session: "/api/v1/session", batch: "/api/v1/visits/batch", walkList: "/api/v1/walk-list" },
    page: page,
    worker: "/sw.js",
    door: /^\/h\/([A-Za-z0-9_-]{16})$/,  // /h/<token>, token_urlsafe(12)
    doorPath: function (token) { return "/h/" + token; },
    area: area,
    areaPath: function (id) { return "/areas/" + id; },
    // Pages kept as last seen, to show without signal: the walk list, a building's doors, the scanner.
    kept: function (path) { return path === page.today || path === page.scan || area.test(path); },
    // "abcd efgh", "ABCD-EFGH" and full-width "ＡＢＣＤ－ＥＦＧＨ" all become "ABCDEFGH", as on the server.
    normaliseCode: function (raw) {
      raw = String(raw || "");
      return (raw.normalize ? raw.normalize("NFKC") : raw).replace(separators, "").toUpperCase();
    }
  };
})();
