// Written once for the pages, the outbox and the service worker (which loads it with importScripts):
// cache names, the addresses they use, and how a typed door code is read. Checked against the
// server's routes and fieldapp/sites/scan.py by tests/browser/test_common_js.py.
self.fieldapp = (function () {
  var page = { home: "/", today: "/today", scan: "/scan", code: "/code", outbox: "/outbox", offline: "/offline", login: "/login" };
  var area = /^\/areas\/(\d+)$/;
  // scan.py's SEPARATORS as they stand after NFKC: spaces of any width, dashes of any kind.
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
    // The pages the service worker keeps as last seen: the walk list, a building's doors, the scanner.
    kept: function (path) { return path === page.today || path === page.scan || area.test(path); },
    // "abcd efgh", "ABCD-EFGH" and 全角 "ＡＢＣＤ－ＥＦＧＨ" all become "ABCDEFGH".
    normaliseCode: function (raw) {
      raw = String(raw || "");
      return (raw.normalize ? raw.normalize("NFKC") : raw).replace(separators, "").toUpperCase();
    }
  };
})();
