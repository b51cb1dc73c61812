"""Security headers on every kind of response, HTTPS behaviour, and no cookies for readers."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from profiles.models import Profile
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PROFILE = "/countries/mali/cluster-munition-ban-policy"
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def public_urls(profile: Profile) -> list[str]:
    treaty = profile.topic.treaty.slug
    return [
        "/",
        "/countries/",
        "/countries/?region=africa&name=ma",
        "/countries/mali/",
        f"{PROFILE}/",
        f"{PROFILE}.json",
        f"{PROFILE}.txt",
        f"{PROFILE}/editions/",
        f"{PROFILE}/editions/1/",
        f"{PROFILE}/editions/1/compare/2/",
        "/treaties/",
        f"/treaties/{treaty}/",
        f"/treaties/{treaty}.csv",
        "/search/?q=convention",
        "/search/?q=convention&page=2",
        "/health/",
        "/no-such-page/",
    ]


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def assert_security_headers(response) -> None:
    for name, value in HEADERS.items():
        assert response.get(name) == value, (name, response.get(name))
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


def test_public_pages_and_exports_carry_the_security_headers(client, mali_in_two_editions):
    for url in public_urls(mali_in_two_editions):
        response = client.get(url)

        assert response.status_code in {200, 404}, url
        assert_security_headers(response)


def test_admin_pages_carry_the_security_headers(client):
    client.force_login(make_user("editor", superuser=True))

    for url in ["/admin/", "/admin/profiles/profile/", "/admin/review/"]:
        response = client.get(url)

        assert response.status_code == 200, url
        assert_security_headers(response)


def test_the_login_page_carries_the_security_headers(client):
    response = client.get("/admin/login/")

    assert_security_headers(response)


@override_settings(WHITENOISE_USE_FINDERS=True)
def test_static_files_are_not_sniffed_and_carry_the_policy():
    response = Client().get("/static/monitor/review-queue.js")

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert csp_directives(response)["script-src"] == ["'self'"]


def test_https_responses_carry_hsts(client):
    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_https_from_the_proxy_is_recognised_by_its_header(client):
    response = client.get("/", headers={"x-forwarded-proto": "https"})

    assert "Strict-Transport-Security" in response


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_to_https_except_the_health_check(client):
    response = client.get("/countries/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/countries/"
    assert client.get("/health/").status_code == 200


def test_public_pages_set_no_cookies(client, mali_in_two_editions):
    for url in public_urls(mali_in_two_editions):
        response = client.get(url)

        assert not response.cookies, url
        assert not response.has_header("Set-Cookie"), url
        assert "Cookie" not in response.get("Vary", ""), url


def test_only_the_admin_sets_cookies_and_they_are_locked_down(client):
    client.get("/admin/login/")

    csrf = client.cookies["csrftoken"]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"
    assert csrf["secure"]


def test_no_template_carries_an_inline_script_or_event_handler():
    """The policy would block them: page scripts belong in static/ files."""
    templates = Path(settings.BASE_DIR) / "templates"
    offenders = []
    for template in templates.rglob("*.html"):
        text = template.read_text()
        for script in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            if "src=" not in script and "application/json" not in script:
                offenders.append(f"{template}: {script}")
        offenders += [
            f"{template}: {handler}"
            for handler in re.findall(r"\son[a-z]+\s*=", text, flags=re.IGNORECASE)
        ]
        if "javascript:" in text.lower():
            offenders.append(f"{template}: javascript: URL")

    assert offenders == []
