"""The one place that writes versioned rows on someone's behalf.

Every service that saves versioned rows (import, revert, publish, review, the admin) writes
through a HistoryWriter, so each history record names who made the change and why, set here
and nowhere else. simple-history reads both from attributes of the instance being saved.
"""

from __future__ import annotations

from django.db import models

from history.changesets import bulk_create_versioned

# Rows are moved out of the way here while siblings are renumbered, so that the unique
# (parent, position) constraints hold after every single statement.
PARKING_OFFSET = 1_000_000_000


def record_as(obj: models.Model, *, user, reason: str) -> None:
    """Name who makes obj's next history record, and why."""
    obj._history_user = user
    obj._change_reason = reason


class HistoryWriter:
    """Save, create and delete versioned rows with one user and reason on every record."""

    def __init__(self, *, user=None, reason: str = ""):
        self.user = user
        self.reason = reason

    def save(self, obj: models.Model, **kwargs) -> None:
        record_as(obj, user=self.user, reason=self.reason)
        obj.save(**kwargs)

    def create(self, model, objs: list[models.Model]) -> None:
        """Insert new rows and their history records in a few queries."""
        if objs:
            bulk_create_versioned(objs, model, user=self.user, reason=self.reason)

    def delete(self, obj: models.Model) -> None:
        record_as(obj, user=self.user, reason=self.reason)
        obj.delete()

    @staticmethod
    def park(obj: models.Model, *, field: str = "position", at: int | None = None) -> None:
        """Move a row to a position no sibling holds (`at`, or PARKING_OFFSET past its key),
        without a history record: it is saved again, or deleted, in the same transaction."""
        obj._original_position = getattr(obj, field)
        setattr(obj, field, PARKING_OFFSET + obj.pk if at is None else at)
        obj.save_without_historical_record(update_fields=[field])

    def delete_parked(self, obj: models.Model, *, field: str = "position") -> None:
        """Delete a parked row; its last history record shows where it stood."""
        setattr(obj, field, getattr(obj, "_original_position", getattr(obj, field)))
        self.delete(obj)
