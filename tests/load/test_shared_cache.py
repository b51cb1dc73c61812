"""Two app servers on one Redis: a profile withdrawn through one is gone from the other on the
next request, although the other served it from the shared cache, without the database, a
moment before.

Run with `pytest -m load` (make test-load); the servers are tests/load/conftest.py's.
"""

import http.client
import re

import pytest
import redis

from tests.load.servers import HOST

pytestmark = pytest.mark.load

WITHDRAWN = "/countries/westmarch/cluster-munition-ban-policy/"


def request(server, method: str, path: str, *, cookies=None, body=None, headers=None):
    """Send one request to `server`; return the status, the headers and the body."""
    headers = {"Host": HOST, "Connection": "close", **(headers or {})}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def withdraw(server, site, profile_id: int) -> None:
    """Withdraw the profile through `server`'s admin, as a publisher's browser would."""
    cookies = {site.session_cookie: site.publisher["session"]}
    path = f"/admin/profiles/profile/{profile_id}/withdraw/"
    status, headers, page = request(server, "GET", path, cookies=cookies)
    assert status == 200, page[:500]
    for header in headers.get_all("Set-Cookie") or []:
        name, value = header.split(";", 1)[0].split("=", 1)
        cookies[name] = value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, headers, _ = request(
        server,
        "POST",
        path,
        cookies=cookies,
        body=f"csrfmiddlewaretoken={token}",
        headers={"Referer": f"http://{HOST}:{server.port}{path}"},
    )
    assert status == 302, status
    assert headers["Location"].endswith(f"/admin/profiles/profile/{profile_id}/change/")


def test_a_withdrawal_through_one_app_server_is_seen_at_once_by_the_other(site):
    one, other = site.servers
    status, headers, page = request(other, "GET", WITHDRAWN)
    assert status == 200, page[:500]
    etag = headers["ETag"]
    # Every worker of the other server has it, kept in the shared cache with its lookup.
    for _ in range(4):
        assert request(other, "GET", WITHDRAWN)[0] == 200
        assert request(other, "GET", WITHDRAWN, headers={"If-None-Match": etag})[0] == 304
    kept = redis.Redis.from_url(site.cache_url)
    assert kept.keys("*monitor:lookup:*"), "the lookups are kept in Redis"

    withdraw(one, site, site.profiles[WITHDRAWN])

    for _ in range(4):  # whichever worker answers
        assert request(other, "GET", WITHDRAWN)[0] == 404
        assert request(other, "GET", WITHDRAWN, headers={"If-None-Match": etag})[0] == 404
    # The other profile is still served, and still from the cache.
    assert request(other, "GET", "/countries/mali/cluster-munition-ban-policy/")[0] == 200
