"""Under load and faults: two gunicorn app servers share a PostgreSQL database and a Redis
cache. Readers and editors send requests on the loopback for a bounded time while PostgreSQL
is killed and started again. Afterwards nothing is lost: every accepted edit is in the data
and in history, every refused one was refused with a clear message, every request during
the outage that needed the database got the clean 503 page (public pages kept in the shared
cache need none and were served), and the site served again as soon as the database was back.

Run with `pytest -m load`; it takes about a minute.
"""

import http.client
import itertools
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import psycopg
import pytest
import redis

from tests.load.servers import HOST, WORKERS

pytestmark = pytest.mark.load

READERS = 4
UP_SECONDS = 6  # load before the fault
DOWN_SECONDS = 3  # PostgreSQL stopped
AFTER_SECONDS = 5  # load once it is back
MAX_REQUESTS_PER_CLIENT = 500
REQUEST_TIMEOUT = 30

CONFLICT = "changed this claim after you opened this page"
NOTHING_SAVED = "Nothing was saved"
UNAVAILABLE = "<h1>Temporarily unavailable</h1>"
GIVEAWAYS = ["Traceback", "OperationalError", "psycopg", "SELECT", "SECRET_KEY", "settings.py"]


@dataclass
class Outcome:
    client: str
    kind: str  # "read", "open" (an editor's GET of the change form) or "save" (its POST)
    path: str
    started: float
    ended: float
    status: int | None  # None when no response came
    body: str
    error: str = ""  # why no response came
    claim: int | None = None
    text: str | None = None  # the text a save sent
    user: int | None = None


@dataclass
class Timeline:
    """When PostgreSQL was told to stop, had stopped, was told to start and had started
    (time.monotonic())."""

    stopping: float = float("inf")
    stopped: float = float("inf")
    restarting: float = float("inf")
    started: float = float("inf")

    def during_outage(self, outcome: Outcome) -> bool:
        return outcome.ended >= self.stopping and outcome.started <= self.started


@dataclass
class Run:
    outcomes: list[Outcome]  # the readers' and editors' requests
    checks: list[Outcome]  # requests made on purpose while the database was down
    timeline: Timeline
    kept: Outcome  # a public page read during the outage, kept in the shared cache


class Client:
    """One visitor: plain HTTP/1.1 requests, one connection each, with its own cookies."""

    def __init__(self, name: str, servers, cookies: dict[str, str] | None = None):
        self.name = name
        self.servers = servers
        self.cookies = dict(cookies or {})
        self.turn = itertools.count()

    def request(self, kind, method, path, data=None, **extra) -> Outcome:
        # Each request goes to the next app server: they share nothing but the database and
        # the cache, so a form opened on one is saved on the other.
        server = self.servers[next(self.turn) % len(self.servers)]
        headers = {"Host": HOST, "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        connection = http.client.HTTPConnection(HOST, server.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            status, error = response.status, ""
            if status in (301, 302, 303):
                content = response.headers.get("Location", "")
        except OSError as exc:
            status, content, error = None, "", repr(exc)
        finally:
            connection.close()
        return Outcome(
            self.name, kind, path, started, time.monotonic(), status, content, error, **extra
        )


class FormFields(HTMLParser):
    """The fields a browser would submit from the admin's change form: name and value pairs."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self.textarea = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        if not self.in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            name, value = self.textarea
            # Django writes a newline after <textarea>, which browsers drop.
            self.fields.append((name, value.removeprefix("\r\n").removeprefix("\n")))
            self.textarea = None
        elif tag == "select":
            self.select = None


def form_fields(page: str, form_id: str = "claim_form") -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(page)
    return parser.fields


def edited(fields, text: str) -> list[tuple[str, str]]:
    return [(name, text if name == "text" else value) for name, value in fields] + [
        ("_save", "Save")
    ]


def change_url(claim: int) -> str:
    return f"/admin/profiles/claim/{claim}/change/"


def reader(client: Client, pages, outcomes, stop):
    for number in range(MAX_REQUESTS_PER_CLIENT):
        if stop.is_set():
            return
        outcomes.append(client.request("read", "GET", pages[number % len(pages)]))


def editor(client: Client, user: int, claims: dict[int, str], outcomes, stop):
    ids = sorted(claims)
    for number in range(MAX_REQUESTS_PER_CLIENT // 2):
        if stop.is_set():
            return
        claim = ids[number % len(ids)]
        opened = client.request("open", "GET", change_url(claim), claim=claim, user=user)
        outcomes.append(opened)
        if opened.status != 200:
            time.sleep(0.1)
            continue
        text = f"{claims[claim]} [edit-{client.name}-{number}]"
        data = edited(form_fields(opened.body), text)
        outcomes.append(
            client.request(
                "save", "POST", change_url(claim), data, claim=claim, text=text, user=user
            )
        )


def assert_clean_unavailable_page(outcome: Outcome) -> None:
    assert outcome.status == 503, outcome
    assert UNAVAILABLE in outcome.body, outcome.body[:500]
    for giveaway in GIVEAWAYS:
        assert giveaway not in outcome.body, (giveaway, outcome.path)


def is_refused(outcome: Outcome) -> bool:
    return outcome.status == 200 and CONFLICT in outcome.body and NOTHING_SAVED in outcome.body


def history(database_url: str, claims) -> tuple[list[tuple], dict[int, str]]:
    """Return the claims' history records (id, claim, text, user, type), oldest first, and
    their texts now."""
    with psycopg.connect(database_url) as connection:
        records = connection.execute(
            "SELECT history_id, id, text, history_user_id, history_type "
            "FROM profiles_historicalclaim WHERE id = ANY(%s) ORDER BY history_id",
            [list(claims)],
        ).fetchall()
        now = dict(
            connection.execute(
                "SELECT id, text FROM profiles_claim WHERE id = ANY(%s)", [list(claims)]
            ).fetchall()
        )
    return records, now


def load_through_an_outage(site) -> Run:
    """Send reads and edits from several clients while PostgreSQL is killed and started
    again; return every request's outcome."""
    outcomes: list[Outcome] = []
    stop = threading.Event()
    timeline = Timeline()
    threads = [
        threading.Thread(
            target=reader, args=(Client(f"reader{n}", site.servers), site.pages, outcomes, stop)
        )
        for n in range(READERS)
    ]
    for name, editor_data in site.editors.items():
        client = Client(name, site.servers, {site.session_cookie: editor_data["session"]})
        args = (client, editor_data["id"], site.claims, outcomes, stop)
        threads.append(threading.Thread(target=editor, args=args))
    # An edit opened before the outage and saved during it, and a login tried during it.
    late_editor, late_user = next(iter(site.editors.items()))
    late = Client(f"{late_editor}-late", site.servers, {site.session_cookie: late_user["session"]})
    late_claim = min(site.claims)
    late_text = f"{site.claims[late_claim]} [edit-late-during-outage]"
    visitor = Client("visitor", site.servers)

    for thread in threads:
        thread.start()
    try:
        time.sleep(UP_SECONDS)
        opened = late.request("open", "GET", change_url(late_claim))
        assert opened.status == 200, opened
        login_form = visitor.request("login", "GET", "/admin/login/")
        assert login_form.status == 200, login_form
        login = dict(form_fields(login_form.body, "login-form"))
        login.update(username=late_editor, password="not-the-password")

        timeline.stopping = time.monotonic()
        site.postgres.stop("immediate")  # as a crash would: no goodbye to the clients
        timeline.stopped = time.monotonic()
        checks = [
            late.request(
                "save",
                "POST",
                change_url(late_claim),
                edited(form_fields(opened.body), late_text),
                claim=late_claim,
                text=late_text,
                user=late_user["id"],
            ),
            late.request("open", "GET", "/admin/"),
            visitor.request("read", "GET", "/search/?q=outage"),  # never asked: not kept
            visitor.request("login", "POST", "/admin/login/", login),
            visitor.request("health", "GET", "/health/"),
        ]
        kept = visitor.request("read", "GET", site.pages[3])
        time.sleep(max(0, DOWN_SECONDS - (time.monotonic() - timeline.stopped)))

        timeline.restarting = time.monotonic()
        site.postgres.start()
        timeline.started = time.monotonic()
        time.sleep(AFTER_SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
    return Run(outcomes, checks, timeline, kept)


def claim_id(path: str) -> str:
    """The claim's id in an admin change form's path: "/admin/profiles/claim/7/change/"."""
    return path.rstrip("/").split("/")[-2]


def test_no_edit_is_lost_under_load_and_the_site_survives_a_database_outage(site, capsys):
    run = load_through_an_outage(site)
    outcomes, checks, timeline = run.outcomes, run.checks, run.timeline

    # During the outage: the clean 503 page, for public pages, admin pages and forms.
    *unavailable_pages, health = checks
    for check in unavailable_pages:
        assert_clean_unavailable_page(check)
    # The liveness check needs no database: the load balancer keeps the app servers.
    assert (health.status, health.body) == (200, "ok")
    # Nor does a public page kept in the shared cache: readers still read it.
    assert run.kept.status == 200, run.kept
    assert "Mali" in run.kept.body
    outage = [o for o in outcomes if timeline.during_outage(o)]
    for outcome in outage:
        if outcome.status == 503:
            assert_clean_unavailable_page(outcome)
        else:  # finished before the database went, or began once it was back
            assert outcome.status in (200, 302), outcome
    # Outside it, every request succeeded.
    normal = [o for o in outcomes if not timeline.during_outage(o)]
    failed = [o for o in normal if o.status not in (200, 302)]
    assert failed == [], failed[:3]
    assert all(o.status == 200 for o in normal if o.kind in ("read", "open"))

    # Every save was accepted (a redirect) or refused with the conflict message.
    saves = [o for o in [*outcomes, *checks] if o.kind == "save"]
    accepted = [o for o in saves if o.status == 302]
    refused = [o for o in saves if o.status == 200]
    unavailable = [o for o in saves if o.status == 503]
    # A saved claim goes back to its place in its profile's one-page editor.
    assert all(
        re.search(rf"/admin/profiles/profile/[0-9]+/editor/#claim-{claim_id(o.path)}$", o.body)
        for o in accepted
    ), accepted[:3]
    assert all(is_refused(o) for o in refused), [o.body[:2000] for o in refused[:1]]
    assert len(accepted) + len(refused) + len(unavailable) == len(saves)

    # Nothing lost and nothing extra: the claims' history holds every accepted edit once, by
    # its editor, and no refused one; each claim's text is the last edit recorded for it.
    # A save the crash cut short may have committed before its answer was lost: it may be
    # there too (the 503 page says so), but not a save that began once the database was gone.
    records, now = history(site.database_url, site.claims)
    edits = [(claim, text, user) for _, claim, text, user, _ in records if "[edit-" in text]
    assert len(edits) == len(set(edits))
    sent = {o.text: (o.claim, o.text, o.user) for o in saves}
    in_doubt = {sent[o.text] for o in unavailable if o.started < timeline.stopped}
    assert {sent[o.text] for o in accepted} <= set(edits)
    assert set(edits) - {sent[o.text] for o in accepted} <= in_doubt
    for claim in site.claims:
        latest = [text for _, record_claim, text, _, _ in records if record_claim == claim][-1]
        assert now[claim] == latest

    # The site served again as soon as the database was back.
    after = [o for o in outcomes if o.started >= timeline.started]
    first_success = min(o.ended for o in after if o.status in (200, 302))
    recovery = first_success - timeline.started
    assert recovery < 5

    # The same workers served throughout (none was restarted), and logged each 503 page.
    logs = [server.log.read_text() for server in site.servers]
    assert [log.count("Booting worker") for log in logs] == [WORKERS] * len(site.servers)
    logged = sum(log.count("ERROR monitor.middleware: Database unavailable") for log in logs)
    assert logged == sum(o.status == 503 for o in [*outcomes, *checks])
    # The two app servers shared one page cache.
    assert redis.Redis.from_url(site.cache_url).keys("*monitor:page:*")

    statuses = dict(Counter(o.status for o in [*outcomes, *checks]))
    with capsys.disabled():
        print(
            f"\nload: {len(outcomes) + len(checks)} requests ({statuses}); "
            f"saves: {len(accepted)} accepted, {len(refused)} refused as conflicts, "
            f"{len(unavailable)} answered 503 ({len(set(edits) & in_doubt)} of those in flight "
            "at the crash had committed); "
            f"during the outage: {len(outage)} requests, "
            f"{sum(o.status == 503 for o in outage)} got the 503 page; "
            f"PostgreSQL stopped in {timeline.stopped - timeline.stopping:.1f} s, restarted in "
            f"{timeline.started - timeline.restarting:.1f} s; first success {recovery:.2f} s after"
        )
