"""Shared pieces of the hardening tests: the hypothesis profile, database snapshots, payloads.

Hypothesis runs many examples inside one test, and pytest-django's `db` fixture wraps the
whole test in one transaction; tests that write roll each example back themselves
(`rolled_back`), so that one example's rows never reach the next.
"""

import hashlib
import os
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, settings

from profiles.models import Claim, Profile
from profiles.publishing import profile_publish
from tests.conftest import MALI, WESTMARCH
from tests.factories import import_profile_file

# HARDENING_EXAMPLES=1000 searches harder, for a while; the suite keeps to a few seconds.
EXAMPLES = int(os.environ.get("HARDENING_EXAMPLES", "0"))

settings.register_profile(
    "hardening",
    deadline=None,  # a request's time varies with the machine and the database
    database=None,  # keep no example database in the checkout
    max_examples=EXAMPLES or 30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Tests take it as a decorator, `@HARDENING`, so that no other test module is affected.
HARDENING = settings.get_profile("hardening")


def examples(count: int) -> settings:
    """The hardening profile with fewer examples, for a test whose examples are slow."""
    return settings(HARDENING, max_examples=EXAMPLES or count)


def _versioned_and_history_models():
    return [
        model for model in apps.get_models() if model._meta.app_label in {"profiles", "citations"}
    ]


def database_state() -> dict[str, tuple[int, str]]:
    """Return, for every model of Monitor (history models included), its row count and a
    checksum of its rows: equal states mean nothing was written."""
    state = {}
    for model in _versioned_and_history_models():
        rows = model._default_manager.order_by("pk").values_list()
        digest = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
        state[model._meta.label] = (len(rows), digest)
    return state


@contextmanager
def rolled_back():
    """Run the block in a savepoint that is always rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Published data, so that the pages under test render real rows ---------------------------------


@pytest.fixture
def published(db) -> Profile:
    """Mali's profile in two editions, and Westmarch's (older layout, with a status box)."""
    import_profile_file(WESTMARCH, publish=True)
    mali = import_profile_file(MALI, publish=True)
    claim = Claim.objects.filter(section__profile=mali).order_by("pk").first()
    claim.text = f"{claim.text} It said so again."
    claim.save()
    profile_publish(profile=mali)
    return mali
