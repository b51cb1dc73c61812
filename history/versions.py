"""Versions of the objects editors edit, so that a stale save is refused rather than lost.

An object's version is the id of its latest history record. Every write through save(),
delete() or simple-history's bulk helpers adds a record, and writes to one row wait for each
other's row lock, so a later write gets a higher id. A form remembers the version it opened
its object at (profiles/forms.py); when it saves, `changes_since()` locks the object and
returns the records written after that version, which tell who changed what meanwhile.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db import router, transaction
from django.db.models import OuterRef, Q, Subquery
from django.forms.models import model_to_dict
from django.utils import formats, timezone
from django.utils.text import capfirst
from simple_history.utils import get_history_model_for_model

# The annotation that carries an object's version (see latest_version()).
VERSION_ATTR = "history_version"


def is_versioned(model) -> bool:
    """Return whether simple-history keeps the history of model."""
    return hasattr(model._meta, "simple_history_manager_attribute")


def _records(model):
    return get_history_model_for_model(model)._default_manager


def latest_version(model) -> Subquery:
    """Return an expression for the version of each row of model, to annotate as VERSION_ATTR."""
    records = _records(model).filter(**{model._meta.pk.attname: OuterRef("pk")})
    return Subquery(records.order_by("-history_id").values("history_id")[:1])


def version_of(obj) -> int | None:
    """Return obj's version: its VERSION_ATTR annotation, or else its latest record's id."""
    if hasattr(obj, VERSION_ATTR):
        return getattr(obj, VERSION_ATTR)
    records = _records(type(obj)).filter(**{type(obj)._meta.pk.attname: obj.pk})
    return records.order_by("-history_id").values_list("history_id", flat=True).first()


@dataclass
class Changes:
    """The history records written to one object after the version a form opened it at."""

    base: object | None  # the record of that version, when it is known
    since: list  # the later records, oldest first

    @property
    def latest(self):
        return self.since[-1]

    @property
    def version(self) -> int:
        return self.latest.history_id

    @property
    def deleted(self) -> bool:
        return self.latest.history_type == "-"

    @property
    def created(self) -> bool:
        return self.base is None and self.since[0].history_type == "+"

    def changed_fields(self, names) -> list[str] | None:
        """Return which of the fields `names` the later records changed, or None when the
        version they were opened at is unknown."""
        if self.base is None:
            return None
        then = model_to_dict(self.base, fields=names)
        now = model_to_dict(self.latest, fields=names)
        return [name for name in names if then.get(name) != now.get(name)]

    def writers(self) -> str:
        """Describe who wrote the later records and when, e.g. "ana on 3 May 2026, 14:05"."""
        described = []
        for record in self.since:
            user = record.history_user
            who = (user.get_full_name() or user.get_username()) if user else "someone"
            when = formats.date_format(timezone.localtime(record.history_date), "j F Y, H:i")
            reason = f" ({record.history_change_reason})" if record.history_change_reason else ""
            text = f"{who} on {when}{reason}"
            if text not in described:
                described.append(text)
        if len(described) > 1:
            return f"{', '.join(described[:-1])} and {described[-1]}"
        return described[0]

    def field_changes(self, names) -> list[tuple[str, str, str]]:
        """Return (label, value before, value after) for each of the fields `names`."""
        model = self.latest.instance_type
        return [
            (
                capfirst(model._meta.get_field(name).verbose_name),
                shown_value(self.base, name),
                shown_value(self.latest, name),
            )
            for name in names
        ]


def shown_value(record, name: str) -> str:
    """Return a field's value in a record as an editor reads it."""
    if record is None:
        return "?"
    field = record.instance_type._meta.get_field(name)
    value = getattr(record, field.attname)
    if value is None or value == "":
        return "—"
    if field.is_relation:
        try:
            return str(getattr(record, name))
        except ObjectDoesNotExist:
            return f"{field.related_model._meta.verbose_name} {value} (deleted)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return repr(value) if value.isspace() else f"“{value}”"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def changes_since(model, opened: dict) -> dict:
    """Lock the rows of model whose keys `opened` maps to versions, then return the Changes
    written to each after its version (None: since its first record), leaving out the rows
    nobody wrote to since.

    The lock makes a concurrent save of the same rows wait for this transaction, and this
    one wait for theirs, so that no write slips in between the check and the save.
    """
    if not opened:
        return {}
    pk_name = model._meta.pk.attname
    using = router.db_for_write(model)
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and connection.features.has_select_for_update:
        locked = model._default_manager.using(using).select_for_update().filter(pk__in=opened)
        list(locked.order_by("pk").values_list("pk", flat=True))
    known = {pk: version for pk, version in opened.items() if version is not None}
    condition = Q(**{f"{pk_name}__in": [pk for pk in opened if pk not in known]})
    if known:
        condition |= Q(**{f"{pk_name}__in": list(known), "history_id__gte": min(known.values())})
    records = defaultdict(list)
    query = _records(model).using(using).filter(condition).select_related("history_user")
    for record in query.order_by(pk_name, "history_id"):
        records[getattr(record, pk_name)].append(record)
    found = {}
    for pk, version in opened.items():
        mine = [r for r in records[pk] if version is None or r.history_id >= version]
        base = mine[0] if mine and mine[0].history_id == version else None
        since = [r for r in mine if version is None or r.history_id > version]
        if since:
            found[pk] = Changes(base=base, since=since)
    return found
