"""What a browser is told about our pages (issue 13): security headers and CSP, no-store on personal data,
Secure cookies, redirects that stay on this site, and no 500 on malformed input anywhere."""

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.navigation import safe_next
from tests.conftest import Browser, app_config, csrf_from

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    parts = [part.split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def logged_in(client, user) -> Browser:
    browser = Browser(client)
    browser.login(user.username)
    return browser


# --- headers and CSP -------------------------------------------------------------------------------------------


def assert_security_headers(response):
    directives = csp_directives(response)
    assert directives, "no Content-Security-Policy"
    for directive in ("script-src", "default-src"):
        assert "'unsafe-inline'" not in directives.get(directive, []), directive
        assert "'unsafe-eval'" not in directives.get(directive, []), directive
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("no-referrer", "same-origin")
    assert response.headers["X-Frame-Options"] == "DENY"


def test_login_door_page_and_api_carry_the_security_headers(client, world):
    assert_security_headers(client.get("/login"))
    logged_in(client, world.a.volunteer)
    token = world.a.sites[0].active_tag.token
    door = client.get(f"/h/{token}")
    assert door.status_code == 200
    assert_security_headers(door)
    walk = client.get("/api/v1/walk-list")
    assert walk.status_code == 200
    assert_security_headers(walk)


def test_hsts_only_over_https(client, world):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://fz.example.gov.cn")
    assert secure.status_code == 200  # no redirect of its own: TLS ends at the operator's proxy
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_personal_data_is_never_stored_by_the_browser_but_static_files_are(client, world):
    logged_in(client, world.a.supervisor)
    token = world.a.sites[0].active_tag.token
    for url in ("/today", f"/h/{token}", f"/areas/{world.a.area.id}", "/log", "/api/v1/walk-list", "/api/v1/session"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.headers.get("Cache-Control", ""), url
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()
    assert "no-store" not in client.get("/sw.js").headers.get("Cache-Control", "")


INLINE_PATTERNS = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "htmx attribute that needs eval": re.compile(r"\bhx-on|\bhx-vars|[\"']js:", re.I),
    "javascript: URL": re.compile(r"=\s*[\"']?\s*javascript:", re.I),
}


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_templates_need_no_unsafe_inline(template):
    """Every script and style comes from a file, so the CSP needs no 'unsafe-inline' (JSON data blocks are fine)."""
    text = (TEMPLATES / template).read_text()
    found = {name: pattern.findall(text) for name, pattern in INLINE_PATTERNS.items()}
    assert not {name: hits for name, hits in found.items() if hits}


def test_htmx_runs_without_eval_or_injected_styles(client, world):
    page = client.get("/login").text
    match = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    config = json.loads(match.group(1))
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["allowScriptTags"] is False


# --- cookies ---------------------------------------------------------------------------------------------------


def test_cookies_are_secure_unless_development_turns_them_off(monkeypatch, database_uri, world):
    monkeypatch.delenv("FIELDAPP_SECURE_COOKIES", raising=False)
    app = create_app(app_config(database_uri))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    db.session.commit()
    response = Browser(app.test_client()).login(world.a.volunteer.username)
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}
    assert all("; Secure" in c for c in cookies if c.split("=")[0] in ("session", "remember_token"))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    monkeypatch.setenv("FIELDAPP_SECURE_COOKIES", "0")  # `make run` on plain http
    plain = create_app(app_config(database_uri))
    assert plain.config["SESSION_COOKIE_SECURE"] is False
    assert plain.config["REMEMBER_COOKIE_SECURE"] is False


# --- redirects -------------------------------------------------------------------------------------------------

FOREIGN = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "\t//evil.example",
    "/\t\t/evil.example",
    "/\\\t/evil.example",
    " //evil.example",
    "https://evil.example",
    "https:/evil.example",
    "HTTPS://evil.example/",
    "javascript:alert(1)",
    "java\tscript:alert(1)",
    "\x00//evil.example",
    "/\x0b/evil.example",
    "evil.example",
    "",
    None,
]


@pytest.mark.parametrize("target", FOREIGN)
def test_safe_next_refuses_anything_that_could_leave_the_site(target):
    for spelling in {target, unquote(target) if target else target}:
        assert safe_next(spelling, "/home") == "/home", repr(spelling)


@pytest.mark.parametrize("target", ["/h/abc", "/areas/3?period=week", "/log?page=2#x", "/"])
def test_safe_next_keeps_paths_on_this_site(target):
    assert safe_next(target, "/home") == target


@pytest.mark.parametrize(
    "spelling", ["/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "%09//evil.example"]
)
def test_language_switch_and_login_never_redirect_to_another_host(client, world, spelling):
    assert client.get(f"/lang/zh?next={spelling}").headers["Location"] == "/"
    page = client.get(f"/login?next={spelling}").text
    response = client.post(
        "/login",
        data={
            "username": world.a.volunteer.username,
            "password": "secret-password",
            "next": unquote(spelling),
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
