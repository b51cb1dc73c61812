"""Inserting generated rows in bulk, with their creation records dated in the past."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from simple_history.utils import bulk_create_with_history

from profiles.models import ChangeSet

# Rows a bulk insert writes per statement (SQLite's backend lowers it to fit its parameters).
BATCH_SIZE = 1000


@dataclass
class Moment:
    """When, by whom and why rows are written, and the change set their records belong to."""

    date: datetime.datetime
    user: object
    reason: str
    change_set: ChangeSet


def create_with_history(model, objs: list, moment: Moment) -> list:
    """Insert rows with their creation records, dated and in the moment's change set (what
    bulk_create_versioned does, for a time in the past)."""
    if not objs:
        return []
    return bulk_create_with_history(
        objs,
        model,
        batch_size=BATCH_SIZE,
        default_user=moment.user,
        default_change_reason=moment.reason,
        default_date=moment.date,
        custom_historical_attrs={"change_set_id": moment.change_set.pk},
    )


def chunks(items: list, size: int) -> Iterator[list]:
    """Split a list into lists of `size` items, the last one shorter."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
