"""Web hardening: a Content-Security-Policy on every page, production cookies and HSTS, safe return URLs."""

import json
import re
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from tests.factories import EmployeeFactory, LegalEntityFactory, UserFactory, requisition_for
from tests.production_process import production_manage

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self' https: http:"
)
DOCS_POLICY = POLICY.replace("img-src 'self';", "img-src 'self' data:;")


@pytest.fixture
def clerk(db):
    entity = LegalEntityFactory(code="FR-SEC", currency="EUR")
    return EmployeeFactory(legal_entities=[entity], roles=["requester", "approver", "buyer", "finance"])


def test_every_page_a_person_reaches_carries_the_policy(client, clerk):
    # Given a clerk with every role and an open cart
    cart = requisition_for(clerk, clerk.default_legal_entity, title="Pens")
    pages = {
        "/login/": 200,
    }
    for path, status in pages.items():
        response = client.get(path)
        assert response.status_code == status, path
        assert response["Content-Security-Policy"] == POLICY, path
    client.force_login(clerk.user)
    # When they open each page of the application
    for path in [
        "/catalog/",
        f"/requisitions/{cart.pk}/",
        "/requisitions/",
        "/approvals/",
        "/approvals/away/",
        "/approvals/history/",
        "/budgets/",
        "/purchase-orders/",
        "/no-such-page/",
    ]:
        response = client.get(path)
        # Then each answers with the same policy
        assert response.status_code == (404 if path == "/no-such-page/" else 200), path
        assert response["Content-Security-Policy"] == POLICY, path


def test_the_admin_and_the_api_docs_carry_a_policy_too(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for path in ["/admin/", "/admin/punchout/punchoutconnection/add/", "/admin/approvals/purchasingrule/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == POLICY, path

    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert docs["Content-Security-Policy"] == DOCS_POLICY
    page = docs.content.decode()
    # Swagger UI's start-up script is a file of its own, not inline.
    assert re.search(r"<script>\s*\S", page) is None
    script = re.search(r'<script src="([^"]*script=[^"]*)"', page)
    assert script is not None
    started = client.get(script.group(1).replace("&amp;", "&"))
    assert started.status_code == 200 and "SwaggerUIBundle" in started.content.decode()


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_no_template_has_inline_script_handlers_styles_or_javascript_urls():
    offences = []
    for path in _templates():
        text = path.read_text()
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{path.relative_to(REPO)}:{number}"
            if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", line, re.IGNORECASE):
                offences.append(f"{where}: inline <script>")
            if re.search(r"\son[a-z]+\s*=", line, re.IGNORECASE):
                offences.append(f"{where}: on*= handler")
            if re.search(r"javascript:", line, re.IGNORECASE):
                offences.append(f"{where}: javascript: URL")
            if re.search(r"\sstyle\s*=", line, re.IGNORECASE) or re.search(r"<style", line, re.IGNORECASE):
                offences.append(f"{where}: inline style")
            if re.search(r"\shx-on", line, re.IGNORECASE):
                offences.append(f"{where}: hx-on (htmx evaluates it)")
    assert offences == []
    # the scan reads Django's one template directory (no app has templates of its own), base.html included
    assert [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]] == [TEMPLATES]
    ours = [Path(app.path) for app in apps.get_app_configs() if Path(app.path).is_relative_to(REPO)]
    assert [path for path in ours if ".venv" not in path.parts and (path / "templates").exists()] == []
    assert TEMPLATES / "base.html" in _templates()


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(client, clerk):
    client.force_login(clerk.user)
    page = client.get("/catalog/").content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert config is not None
    assert json.loads(config.group(1)) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
    }


# --- production settings ------------------------------------------------------------------------


def _prod(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return production_manage(f"sqlite:///{tmp_path / 'db.sqlite3'}", *args, **env)


def test_production_sends_hsts_and_secure_cookies_only(tmp_path):
    shown = _prod(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings as s; import json; print(json.dumps({n: getattr(s, n) for n in ["
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
        "'SESSION_COOKIE_HTTPONLY', 'SECURE_SSL_REDIRECT', 'SECURE_CONTENT_TYPE_NOSNIFF', 'DEBUG',"
        "'SECURE_REFERRER_POLICY', 'X_FRAME_OPTIONS']}))",
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout.strip().splitlines()[-1]) == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "DEBUG": False,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
    }


def test_production_passes_the_deploy_check_with_the_policy_on(tmp_path):
    # The check reads the Redis URL and never connects to it.
    checked = _prod(tmp_path, "check", "--deploy", "--fail-level", "WARNING", REDIS_URL="redis://127.0.0.1:1/0")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE


def test_the_deploy_check_refuses_production_without_a_shared_broker(tmp_path):
    checked = _prod(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 1
    assert (
        "?: (procurement.W200) REDIS_URL is not set: tasks queue in a folder on this machine (the embedded default "
        "of `make run`), where workers on other machines never see them." in checked.stderr
    )


# --- return URLs ---------------------------------------------------------------------------------

OFF_SITE = [
    "https://evil.example/",
    "http://evil.example/path",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https:evil.example",
    "https:/evil.example",
    " https://evil.example/",
    "\thttps://evil.example/",
    "https://evil.example\\@testserver/",
    "https://testserver@evil.example/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",
    "/\n/evil.example",
    "http://evil.example%2f@testserver/",
]


def _stays_here(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


@pytest.mark.parametrize("target", OFF_SITE)
def test_logging_in_never_redirects_off_site(client, clerk, target):
    # Given the login form posted with a crafted `next`
    response = client.post("/login/", {"username": clerk.user.username, "password": "secret-pass", "next": target})
    # Then the person is logged in and lands on our own home page
    assert response.status_code == 302
    assert response["Location"] == "/"
    # And a second visit to the login page with the same `next` in the query string stays here too
    again = client.get("/login/", {"next": target})
    assert again.status_code == 302 and again["Location"] == "/"


@pytest.mark.django_db  # the login page lists the single sign-on providers
@pytest.mark.parametrize("target", OFF_SITE)
def test_the_login_page_does_not_hand_an_off_site_next_to_its_form(client, target):
    page = client.get("/login/", {"next": target}).content.decode()
    field = re.search(r'<input type="hidden" name="next" value="([^"]*)">', page)
    assert field is not None and field.group(1) == ""


def test_an_on_site_next_is_followed(client, clerk):
    response = client.post(
        "/login/", {"username": clerk.user.username, "password": "secret-pass", "next": "/approvals/?order=newest"}
    )
    assert response.status_code == 302 and response["Location"] == "/approvals/?order=newest"


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_entity_switcher_never_redirects_off_site(client, clerk, target):
    client.force_login(clerk.user)
    response = client.post("/legal-entity/", {"legal_entity": "FR-SEC", "next": target})
    assert response.status_code == 302 and _stays_here(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_logging_out_never_redirects_off_site(client, clerk, target):
    client.force_login(clerk.user)
    response = client.post("/logout/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
