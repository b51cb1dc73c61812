"""Fixtures the whole suite shares: the profile files, Mali's profile, and users and logged-in
clients by role.

Roles are the Django groups of profiles/roles.py (EDITORS, FACT_CHECKERS, PUBLISHERS). Small
functions that make rows (and import profile files) are in tests/factories.py; helpers that
tests of more than one app share (admin addresses, query and history counts) in tests/helpers.py.
"""

from pathlib import Path

import pytest
from django.test import Client

from profiles.models import Claim, Profile
from profiles.publishing import profile_publish
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from tests.factories import import_profile_file, make_member, make_user

ROOT = Path(__file__).resolve().parent.parent  # the repository
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MALI = FIXTURES / "mali-cluster-munition-ban-policy.txt"
WESTMARCH = FIXTURES / "westmarch-cluster-munition-ban-policy.txt"
EASTMARCH = FIXTURES / "edge" / "eastmarch-mine-ban-policy.txt"

# What `client_for` takes besides a role: a superuser, in no group, and no login at all.
SUPERUSER = "superuser"
ANONYMOUS = "anonymous"
# The username each role's user gets unless a test names another.
USERNAMES = {
    EDITORS: "editor",
    FACT_CHECKERS: "checker",
    PUBLISHERS: "publisher",
    SUPERUSER: "root",
}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the tests that commit (the live server's, and any other transactional test) last,
    in their shuffled order.

    After each one, pytest-django flushes the database, emptying the tables that the data
    migrations fill (countries, treaties) and that other tests read. pytest-django runs such
    tests last, but pytest-randomly shuffles the whole suite after it has sorted it.
    """
    committing = {"live_server", "transactional_db"}
    items.sort(key=lambda item: not committing.isdisjoint(getattr(item, "fixturenames", ())))


@pytest.fixture(autouse=True)
def empty_cache():
    """Start every test with an empty cache: rendered pages must not leak between tests."""
    from django.core.cache import caches

    for each in caches.all():
        each.clear()


# Mali's Cluster Munition Ban Policy, imported from tests/fixtures -------------------------------


@pytest.fixture
def mali() -> Profile:
    """Mali's profile as imported: a working copy, never published."""
    return import_profile_file(MALI)


@pytest.fixture
def published_mali() -> Profile:
    """Mali's profile imported and published: edition 1."""
    return import_profile_file(MALI, publish=True)


@pytest.fixture
def mali_in_two_editions(published_mali) -> Profile:
    """Mali published twice, a claim amended in between, so that there are editions to list
    and compare."""
    claim = Claim.objects.filter(section__profile=published_mali).first()
    claim.text += " Amended."
    claim.save()
    profile_publish(profile=published_mali)
    return published_mali


# Users and logged-in clients by role ------------------------------------------------------------


@pytest.fixture
def client_for():
    """Return a function that gives a new Client logged in as a member of a role.

    `client_for(EDITORS)` logs in the user "editor" of the Editors group, `client_for(EDITORS,
    "ana")` a user of that name; `client_for(SUPERUSER)` the superuser "root", in no group;
    `client_for(ANONYMOUS)` logs in no one. The user is at `client.user` (None if anonymous).
    """

    def log_in(role: str, username: str | None = None) -> Client:
        client = Client()
        client.user = None
        if role == SUPERUSER:
            client.user = make_user(username or USERNAMES[SUPERUSER], superuser=True)
        elif role != ANONYMOUS:
            client.user = make_member(username or USERNAMES[role], role)
        if client.user is not None:
            client.force_login(client.user)
        return client

    return log_in


@pytest.fixture
def editor():
    """The user "editor", in the Editors group."""
    return make_member(USERNAMES[EDITORS], EDITORS)


@pytest.fixture
def checker():
    """The user "checker", in the Fact-checkers group."""
    return make_member(USERNAMES[FACT_CHECKERS], FACT_CHECKERS)


@pytest.fixture
def editor_client(client_for, editor) -> Client:
    """A client logged in as `editor`."""
    return client_for(EDITORS)


@pytest.fixture
def checker_client(client_for, checker) -> Client:
    """A client logged in as `checker`."""
    return client_for(FACT_CHECKERS)


@pytest.fixture
def publisher_client(client_for) -> Client:
    """A client logged in as "publisher", of the Publishers group."""
    return client_for(PUBLISHERS)


@pytest.fixture
def superuser_client(client_for) -> Client:
    """A client logged in as the superuser "root" (pytest-django's admin_client is "admin")."""
    return client_for(SUPERUSER)
