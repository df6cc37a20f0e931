"""Bytes on a weak signal: static files under their content's hash, kept a year; text answers compressed."""

import gzip
import re
import shutil
from pathlib import Path

import brotli
from flask import url_for

from fieldapp.offline.assets import SCAN_FALLBACK_STATIC, SHELL_STATIC
from fieldapp.static_files import IMMUTABLE, static_files

GZIP_ONLY = {"Accept-Encoding": "gzip"}
PHONE = {"Accept-Encoding": "gzip, deflate, br"}
HTMX = "vendor/htmx.min.js"


def test_a_fingerprinted_file_is_kept_a_year_and_comes_compressed_when_asked(app, client):
    url = url_for("static", filename=HTMX)
    path, digest = re.fullmatch(r"(/static/vendor/htmx\.min\.js)\?v=([0-9a-f]{12})", url).groups()
    raw = (Path(app.static_folder) / HTMX).read_bytes()

    brotli_answer = client.get(url, headers=PHONE)
    assert brotli_answer.status_code == 200 and brotli_answer.headers["Cache-Control"] == IMMUTABLE
    assert brotli_answer.headers["Content-Encoding"] == "br" and brotli_answer.headers["Vary"] == "Accept-Encoding"
    assert brotli.decompress(brotli_answer.data) == raw and len(brotli_answer.data) < len(raw) / 3

    gzip_answer = client.get(url, headers=GZIP_ONLY)
    assert gzip_answer.headers["Content-Encoding"] == "gzip" and gzip.decompress(gzip_answer.data) == raw

    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == raw

    # Asked again with what the browser kept: nothing to send.
    again = client.get(url, headers={**GZIP_ONLY, "If-None-Match": gzip_answer.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""

    # Without the hash, or with the hash of another version, the file still comes, kept only a short while.
    for other in (path, f"{path}?v=0123456789ab"):
        answer = client.get(other, headers=GZIP_ONLY)
        assert answer.status_code == 200 and gzip.decompress(answer.data) == raw
        assert "immutable" not in answer.headers["Cache-Control"] and "max-age=300" in answer.headers["Cache-Control"]
    missing = client.get("/static/vendor/no-such.js")  # the error page is a document: it keeps its policy
    assert missing.status_code == 404 and "frame-ancestors 'none'" in missing.headers["Content-Security-Policy"]
    assert "Content-Security-Policy" not in brotli_answer.headers  # a script needs none (~480 bytes saved)
    assert client.get("/static/../wsgi.py").status_code == 404
    assert digest in url


def test_a_changed_file_gets_a_new_url_and_so_does_a_stylesheet_whose_image_changed(app, client, tmp_path):
    static_files(app).folder = str(tmp_path)
    (tmp_path / "images").mkdir()
    (tmp_path / "door.js").write_text("var door = 1;\n")
    (tmp_path / "images" / "layers.png").write_bytes(b"\x89PNG first")
    (tmp_path / "map.css").write_text(".a { background: url(images/layers.png); }\n.b { background: url(data:x); }\n")
    script, sheet, image = (url_for("static", filename=name) for name in ("door.js", "map.css", "images/layers.png"))
    # The stylesheet names its image (relatively, as written) by the image's own fingerprinted URL.
    assert "url(" + image.removeprefix("/static/") + ")" in client.get(sheet).text
    assert "url(data:x)" in client.get(sheet).text

    (tmp_path / "door.js").write_text("var door = 2; // a longer file, so its size changes too\n")
    (tmp_path / "images" / "layers.png").write_bytes(b"\x89PNG second, another size")
    new_script, new_sheet, new_image = (
        url_for("static", filename=name) for name in ("door.js", "map.css", "images/layers.png")
    )
    assert new_script != script and new_image != image and new_sheet != sheet
    assert client.get(new_script).text.startswith("var door = 2;")
    assert client.get(new_script).headers["Cache-Control"] == IMMUTABLE
    assert "immutable" not in client.get(script).headers["Cache-Control"]  # the old URL is no longer the file
    assert "url(" + new_image.removeprefix("/static/") + ")" in client.get(new_sheet).text


def test_the_door_page_is_compressed_and_still_never_stored(world, browser):
    browser.login("a-volunteer")
    token = world.a.sites[0].active_tag.token
    page = browser.client.get(f"/h/{token}", headers=GZIP_ONLY)
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.data).decode()
    assert 'name="outcome"' in html and page.headers["Cache-Control"] == "no-store"
    # Every file it loads is named by its fingerprint.
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert assets and all(re.search(r"\?v=[0-9a-f]{12}$", asset) for asset in assets), assets
    # An icon is compressed already, and a tiny answer is not worth it.
    assert "Content-Encoding" not in browser.client.get("/icons/192.png", headers=GZIP_ONLY).headers
    assert "Content-Encoding" not in browser.client.get("/healthz", headers=GZIP_ONLY).headers


def test_a_visit_export_still_streams_uncompressed(world, browser):
    browser.login("a-supervisor")
    for kind in ("csv", "xlsx"):
        export = browser.client.get(url_for("reports.visits_file", kind=kind), headers=PHONE)
        assert export.status_code == 200 and "Content-Encoding" not in export.headers
        # Sent as it is written: no length known beforehand (a body compressed as a whole would have one).
        assert "Content-Length" not in export.headers
        assert export.data[:2] == b"PK" if kind == "xlsx" else export.data.count(b"\n") >= 1


def test_the_service_worker_keeps_the_fingerprinted_urls_and_changes_with_them(app, client, tmp_path):
    worker = client.get("/sw.js", headers=GZIP_ONLY)
    text = gzip.decompress(worker.data).decode() if worker.headers.get("Content-Encoding") else worker.text
    precache = re.search(r"PRECACHE = (\[.*?\]);", text).group(1)
    for name in (*SHELL_STATIC, *SCAN_FALLBACK_STATIC):
        url = url_for("static", filename=name)
        assert f'"{url}"' in precache, name
        assert client.get(url).headers["Cache-Control"] == IMMUTABLE
    # Any change to a kept file changes the worker's text, so phones install the new version.
    copy = shutil.copytree(app.static_folder, tmp_path / "static")
    static_files(app).folder = str(copy)
    assert client.get("/sw.js").text == text
    with (copy / "js" / "outbox.js").open("a") as script:
        script.write("\n// changed\n")
    changed = client.get("/sw.js").text
    assert changed != text and url_for("static", filename="js/outbox.js") in changed
    version = re.compile(r"version (\w+)\)")
    assert version.search(changed).group(1) != version.search(text).group(1)  # a new cache: the old one goes


def test_a_file_sets_no_cookie_so_no_shared_cache_hands_one_on(world, browser):
    browser.login("a-volunteer")  # "remember me" ticked, as on a volunteer's phone
    client = browser.client
    client.delete_cookie("session")  # the browser's session ended: only the remember cookie is left
    answer = client.get(url_for("static", filename=HTMX), headers=PHONE)
    # A year-long public answer must carry no cookie: a proxy keeping it would give it to everyone.
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == IMMUTABLE
    assert "Set-Cookie" not in answer.headers and "Cookie" not in answer.headers.get("Vary", "")
    assert client.get("/today").status_code == 200  # the remember cookie still logs the phone in on a page
