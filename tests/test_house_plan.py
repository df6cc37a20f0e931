"""The house plan, checked: where rules live stays where a newcomer looks for them (issue 12)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fieldapp"
#: Beyond this a module does several jobs; split it by job.
MAX_MODULE_LINES = 300


def python_modules():
    return sorted(path for path in PACKAGE.rglob("*.py") if "translations" not in path.parts)


def test_no_module_does_several_jobs():
    long = {
        str(path.relative_to(ROOT)): n for path in python_modules() if (n := len(path.read_text().splitlines())) > 300
    }
    assert long == {}


def test_no_blueprint_imports_another_blueprints_routes():
    pattern = re.compile(r"from fieldapp\.[a-z_]+\.routes import|import fieldapp\.[a-z_]+\.routes")
    found = [str(path.relative_to(ROOT)) for path in python_modules() if pattern.search(path.read_text())]
    assert found == []


ROLE = r"""["'](?:volunteer|lead|supervisor|admin)["']"""
#: A role compared with a literal, a role tested against a list, or a list of roles written out.
ROLE_RULE = re.compile(rf"""role\s*(?:==|!=)\s*{ROLE}|role\s+(?:not\s+)?in\s*[(\[{{]|{ROLE}\s*,\s*{ROLE}""")
#: The rulebook itself, the vocabulary (ROLES and its CHECK constraint), and the demo's accounts.
MAY_NAME_ROLES = {PACKAGE / "permissions.py", PACKAGE / "models" / "people.py", PACKAGE / "demo.py"}


def test_roles_are_named_only_in_the_rulebook():
    """Who may do what is asked of fieldapp/permissions.py; a role list anywhere else would drift from it."""
    places = [*python_modules(), *(ROOT / "templates").rglob("*.html")]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in places
        if path not in MAY_NAME_ROLES
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if ROLE_RULE.search(line)
    ]
    assert found == []


def test_the_role_rule_check_would_catch_what_it_looks_for():
    assert ROLE_RULE.search('if current_user.role in ("supervisor", "admin") %}')
    assert ROLE_RULE.search("return user.role == 'admin'")
    assert ROLE_RULE.search('EDITING_ROLES = ("lead", "supervisor", "admin")')
    assert not ROLE_RULE.search("select(User).where(User.role == role)")
