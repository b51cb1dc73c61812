"""What every versioned model shares: its history records belong to a change set, and its
history table is indexed for "as it stood at" lookups.

The ChangeSet model itself lives in the profiles app, where it was first written: moving it
would rewrite the foreign keys of every history table's migrations for no change in the
database. Everything here names it by CHANGE_SET_MODEL.
"""

from django.db import models
from simple_history.models import HistoricalRecords

CHANGE_SET_MODEL = "profiles.ChangeSet"


class ChangeSetRecord(models.Model):
    """The base of every historical model: the change set a record belongs to."""

    change_set = models.ForeignKey(
        CHANGE_SET_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class VersionedHistory(HistoricalRecords):
    """simple-history's HistoricalRecords, with every record in a change set and two indexes:
    (object id, history date), which the "as it stood at" lookups of profile timelines use,
    and (object id, history id), which finds an object's latest version (history/versions.py:
    the version a conflict-safe form or the editor sends back) without sorting its records."""

    def __init__(self, **kwargs):
        kwargs.setdefault("bases", [ChangeSetRecord])
        super().__init__(**kwargs)

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        name, pk = model._meta.model_name, model._meta.pk.attname
        options["indexes"] = [
            models.Index(fields=[pk, "history_date"], name=f"hist_{name}_asof"),
            models.Index(fields=[pk, "history_id"], name=f"hist_{name}_latest"),
        ]
        return options


def acting_user(instance):
    """Return who is saving `instance`: the user a writer named, or the request's user."""
    user = getattr(instance, "_history_user", None)
    if user is None:
        request = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
