"""Helpers tests of more than one app share: admin addresses, query counts, history records,
and exported profile text. Functions that make rows are in tests/factories.py."""

import re
from io import StringIO

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def admin_url(obj_or_model, view="change", *args):
    opts = obj_or_model._meta
    if view in ("change", "history", "delete"):
        args = (obj_or_model.pk, *args)
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def count_queries(client, url):
    # Start each count from a cold content-type cache, whatever earlier tests left in it.
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def history_count() -> int:
    """Count the history records of every versioned model."""
    versioned = [model for model in apps.get_models() if hasattr(model, "history")]
    return sum(model.history.count() for model in versioned)


def export(country: str, topic: str) -> str:
    """Return a profile's working copy as the export_profile command writes it."""
    out = StringIO()
    call_command("export_profile", country, topic, stdout=out)
    return out.getvalue()


def comparable(text: str) -> list[str]:
    """Drop what a round trip may change: line endings, trailing and blank lines, the
    space after a footnote's leading [n]."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return [re.sub(r"^\[(\d+)\]\s*", r"[\1] ", line) for line in lines]
