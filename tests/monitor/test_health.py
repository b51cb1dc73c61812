"""The liveness check at /health/: cheap, uncached, cookie-free."""

import pytest


@pytest.mark.django_db
def test_health_answers_ok_as_plain_text(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.django_db
def test_health_makes_no_database_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get("/health/")


@pytest.mark.django_db
def test_health_sets_no_cookie(client):
    response = client.get("/health/")

    assert not response.cookies
    assert not response.has_header("Set-Cookie")


@pytest.mark.django_db
def test_health_is_never_cached(client):
    response = client.get("/health/")

    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_answers_head_and_refuses_post(client):
    assert client.head("/health/").status_code == 200
    assert client.post("/health/").status_code == 405
