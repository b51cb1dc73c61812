"""Editions: a profile's earlier ones, made from its latest one, and inserting them in bulk."""

from __future__ import annotations

import datetime
import random

from django.db import models
from django.db.models import Value

from profiles.demo_data.prose import reworded
from profiles.models import Publication


def earlier_snapshot(
    snapshot: dict, *, claims: int, last_updated: datetime.date, rng: random.Random
) -> dict:
    """Return a plausible earlier edition of a snapshot: its first `claims` claims (and their
    footnotes, which come first in reading order), a few in older wording, an older date."""
    sections, kept, last_footnote = [], 0, 0
    for section in snapshot["sections"]:
        if kept >= claims:
            break
        taken = section["claims"][: claims - kept]
        kept += len(taken)
        for claim in taken:
            last_footnote = max(last_footnote, *claim["footnotes"], 0)
        sections.append({**section, "claims": [_older(claim, rng) for claim in taken]})
    return {
        **snapshot,
        "last_updated": last_updated.isoformat(),
        "sections": sections,
        "footnotes": snapshot["footnotes"][:last_footnote],
    }


def _older(claim: dict, rng: random.Random) -> dict:
    if rng.random() < 0.05:
        return {**claim, "text": reworded(claim["text"], rng)}
    return claim


def insert_editions(editions: list[Publication]) -> None:
    """Insert editions in bulk.

    On PostgreSQL, Django inserts a batch of plain values as UNNEST of arrays, for which
    psycopg's client-side cursor escapes each snapshot's JSON in Python, quote by quote. A
    value given as an expression makes Django write VALUES rows instead, which is two and a
    half times faster there (and about as fast on SQLite).
    """
    snapshots = [edition.snapshot for edition in editions]
    for edition in editions:
        edition.snapshot = Value(edition.snapshot, output_field=models.JSONField())
    Publication.objects.bulk_create(editions, batch_size=100)
    for edition, snapshot in zip(editions, snapshots, strict=True):
        edition.snapshot = snapshot
