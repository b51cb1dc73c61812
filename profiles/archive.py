"""Back up the whole database to one portable file, and restore it into an empty database
(`manage.py export_archive`, `manage.py import_archive`).

An archive is UTF-8 JSON Lines, gzip-compressed when its name ends in `.gz`:

    {"format": "monitor-archive", "migrations": {...}, "version": 1}      the header
    {"fields": ["id", "name", ...], "model": "profiles.country"}           each table, then
    [1, "Afghanistan", ...]                                                its rows by key
    {"end": {"profiles.country": 250, ...}}                                the row counts

It holds every row of the profiles and citations apps (working copy, publications, review
states, history, change sets), the users without their passwords, their groups and
permissions, and the admin's log. Permissions and content types are written by their natural
keys, since their ids differ between databases that migrate alike. Values are written the
same way on SQLite and PostgreSQL (datetimes in UTC with microseconds, JSON with sorted keys)
and nothing in the file depends on when it was written, so exporting a restored database
gives the same bytes again.

Left out (LEFT_OUT): the search index, rebuilt from the publications on import; sessions and
django-axes' login attempts, transient security data (restored users log in afresh); and
content types and permissions themselves, which `migrate` creates.
"""

from __future__ import annotations

import datetime
import gzip
import io
import json
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

from profiles.caching import public_changed
from profiles.models import Country, SearchEntry, Topic, Treaty
from profiles.search import search_index_rebuild

ARCHIVE_FORMAT = "monitor-archive"
ARCHIVE_VERSION = 1
# Their migrations must match exactly: they shape the data, not only the tables. Django's
# own apps are checked table by table (the fields), so that an archive survives an upgrade
# of Django that adds a migration but changes no archived field.
PROJECT_APPS = ("profiles", "citations")
RECORDED_APPS = ("admin", "auth", "contenttypes", *PROJECT_APPS)
# Derived data, rebuilt on import rather than archived.
DERIVED_MODELS = (SearchEntry,)
# Foreign keys to these are written as natural keys; the rows come from `migrate`.
NATURAL_KEY_MODELS = (ContentType, Permission)
# Neither archived nor rebuilt, on purpose (see above): apps, or models by label.
LEFT_OUT = ("sessions", "axes", "contenttypes.contenttype", "auth.permission")
BATCH_SIZE = 1000


class ArchiveError(Exception):
    """An archive that cannot be written or restored, or a database it cannot go into."""


def archived_models() -> list[type[models.Model]]:
    """Return the archived models, each after the models its rows refer to (where the
    references allow: a profile and its latest publication refer to each other)."""
    user_model = get_user_model()
    project_models = [
        model
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
        if model not in DERIVED_MODELS
    ]
    return [
        Group,
        Group.permissions.through,
        user_model,
        user_model.groups.through,
        user_model.user_permissions.through,
        *project_models,
        LogEntry,
    ]


def archived_fields(model: type[models.Model]) -> list[models.Field]:
    """Return the model's columns that go into an archive: all but the users' passwords."""
    return [
        each
        for each in model._meta.concrete_fields
        if not (model is get_user_model() and each.name == "password")
    ]


def _is_natural_key(each: models.Field) -> bool:
    return each.is_relation and each.related_model in NATURAL_KEY_MODELS


def applied_migrations() -> dict[str, list[str]]:
    """Return the names of the migrations applied to the database, by app."""
    applied = {label: [] for label in RECORDED_APPS}
    for app_label, name in MigrationRecorder(connection).applied_migrations():
        if app_label in applied:
            applied[app_label].append(name)
    return {label: sorted(names) for label, names in applied.items()}


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _encode(value):
    """Return a column's value as JSON would hold it, the same on every database."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# Export ----------------------------------------------------------------------------------


@dataclass
class ArchiveReport:
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        rows = sum(self.counts.values())
        return f"{rows:,} rows of {len(self.counts)} tables"


def archive_export(*, path: str | os.PathLike) -> ArchiveReport:
    """Write the whole database to the archive at `path`, replacing any file there only once
    the archive is complete."""
    path = Path(path)
    report = ArchiveReport()
    with _replacing(path) as raw, _text_writer(raw, compress=path.suffix == ".gz") as out:
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:
                _read_one_snapshot()
            header = {
                "format": ARCHIVE_FORMAT,
                "version": ARCHIVE_VERSION,
                "migrations": applied_migrations(),
            }
            out.write(_dumps(header) + "\n")
            for model in archived_models():
                report.counts[model._meta.label_lower] = _export_table(model, out)
        out.write(_dumps({"end": report.counts}) + "\n")
    return report


def _read_one_snapshot() -> None:
    """Make every query of the export see the database as it was when the first began, so
    that edits made meanwhile never leave a row referring to one the archive lacks."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    # SQLite: one transaction reads one snapshot already.


def _export_table(model, out) -> int:
    fields = archived_fields(model)
    out.write(_dumps({"model": model._meta.label_lower, "fields": [f.attname for f in fields]}))
    out.write("\n")
    natural_keys = {
        position: _natural_keys(each.related_model)
        for position, each in enumerate(fields)
        if _is_natural_key(each)
    }
    rows = (
        model._base_manager.order_by("pk")
        .values_list(*[each.attname for each in fields])
        .iterator(chunk_size=2000)
    )
    count = 0
    for row in rows:
        values = [_encode(value) for value in row]
        for position, keys in natural_keys.items():
            values[position] = keys.get(values[position])  # a tuple: written as a list
        out.write(_dumps(values) + "\n")
        count += 1
    return count


def _natural_keys(model) -> dict:
    """Return the natural key of each row of `model` (ContentType or Permission), by id."""
    rows = model._base_manager.all()
    if model is Permission:
        rows = rows.select_related("content_type")  # part of a permission's natural key
    return {each.pk: each.natural_key() for each in rows}


@contextmanager
def _replacing(path: Path):
    """Open a temporary file beside `path` for writing, and move it to `path` on success, so
    that a failed export never leaves a half-written archive behind."""
    # Readable by its owner only (mkstemp's mode): it holds unpublished research and emails.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with open(descriptor, "wb") as file:
            yield file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _text_writer(raw, *, compress: bool) -> io.TextIOWrapper:
    # No name and no time in the gzip header: two exports of the same data are the same bytes.
    binary = gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) if compress else raw
    return io.TextIOWrapper(binary, encoding="utf-8", newline="\n", write_through=False)


# Import ----------------------------------------------------------------------------------


def archive_import(*, path: str | os.PathLike) -> ArchiveReport:
    """Restore the archive at `path` into this empty, freshly migrated database, in one
    transaction: either all of it is restored, or nothing is written."""
    reader = _ArchiveReader(Path(path))
    with reader:
        reader.check_header()
        with transaction.atomic():
            _refuse_content()
            for model in archived_models():
                _delete_rows(model)
            _delete_rows(SearchEntry)
            report = reader.restore()
            _check_references(reader.path)
            _reset_sequences()
            search_index_rebuild()
            public_changed()  # restored in bulk, without signals
    return report


# The rows `migrate` writes: an empty database may hold these, and the archive replaces them.
def _seeded_models() -> set:
    seeded = {Country, Treaty, Topic}
    return {
        Group,
        Group.permissions.through,
        *seeded,
        *(model.history.model for model in seeded),
    }


def _refuse_content() -> None:
    seeded = _seeded_models()
    found = [
        f"{count:,} {model._meta.verbose_name_plural}"
        for model in archived_models()
        if model not in seeded and (count := model._base_manager.count())
    ]
    if found:
        raise ArchiveError(
            f"This database is not empty: it holds {', '.join(found[:4])}"
            f"{' and more' if len(found) > 4 else ''}. Restore into a new database: create "
            "it, run `manage.py migrate`, then `manage.py import_archive`."
        )


def _delete_rows(model) -> None:
    # Raw SQL: deleting through the ORM would send signals that write history.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _check_references(path: Path) -> None:
    try:
        connection.check_constraints()
    except DatabaseError as error:
        raise ArchiveError(f"{path}: a row refers to a row the archive lacks: {error}") from error


def _reset_sequences() -> None:
    """Let new rows take ids after the restored ones (PostgreSQL; SQLite does it itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [*archived_models(), SearchEntry])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class _ArchiveReader:
    """Read an archive line by line, naming the file and line of anything wrong in it."""

    def __init__(self, path: Path):
        self.path = path
        self.line_number = 0

    def __enter__(self):
        try:
            raw = self.path.open("rb")
        except OSError as error:
            raise ArchiveError(f"{self.path}: cannot open: {error.strerror}.") from error
        compressed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        binary = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        self.raw = raw
        self.file = io.TextIOWrapper(binary, encoding="utf-8", newline="\n")
        self.lines = self._lines()
        return self

    def __exit__(self, *exc_info):
        self.file.close()
        self.raw.close()

    def error(self, message: str) -> ArchiveError:
        return ArchiveError(f"{self.path}, line {self.line_number}: {message}")

    def _lines(self) -> Iterator:
        while True:
            try:
                line = self.file.readline()
            except (EOFError, OSError, zlib.error, UnicodeDecodeError) as error:
                self.line_number += 1
                raise self.error(f"the file is truncated or corrupt ({error}).") from error
            if not line:
                return
            self.line_number += 1
            if not line.endswith("\n"):
                raise self.error("the line is cut short: the file is truncated.")
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                raise self.error(f"not valid JSON ({error.msg}, column {error.colno}).") from error

    def next_line(self, what: str):
        line = next(self.lines, None)
        if line is None:
            raise ArchiveError(
                f"{self.path}: the file ends after line {self.line_number}, before {what}: "
                "it is truncated."
            )
        return line

    def check_header(self) -> None:
        header = self.next_line("its header")
        if not isinstance(header, dict) or header.get("format") != ARCHIVE_FORMAT:
            raise self.error(f"this is not a Monitor archive (no “{ARCHIVE_FORMAT}” header).")
        if header.get("version") != ARCHIVE_VERSION:
            raise self.error(
                f"archive format version {header.get('version')!r}; this version of Monitor "
                f"reads version {ARCHIVE_VERSION}."
            )
        archived = header.get("migrations")
        if not isinstance(archived, dict):
            raise self.error("the header lists no migrations.")
        differences = _migration_differences(archived, applied_migrations())
        if differences:
            raise self.error(
                "the archive was written by a database with other migrations than this one: "
                f"{'; '.join(differences)}. Restore into a database migrated exactly as the "
                "archived one was (`manage.py migrate APP MIGRATION`), then migrate it forward."
            )

    def restore(self) -> ArchiveReport:
        expected = {model._meta.label_lower: model for model in archived_models()}
        report = ArchiveReport()
        line = self.next_line("its first table")
        while not (isinstance(line, dict) and "end" in line):
            model = self._table_start(line, expected, report)
            line = self._restore_rows(model, report)
        self._check_end(line["end"], report, expected)
        return report

    def _table_start(self, line, expected, report):
        if not isinstance(line, dict) or "model" not in line:
            raise self.error("expected the start of a table or the end of the archive.")
        label = line["model"]
        model = expected.get(label)
        if model is None:
            raise self.error(f"unknown table “{label}”.")
        if label in report.counts:
            raise self.error(f"the table “{label}” appears twice.")
        names = [each.attname for each in archived_fields(model)]
        if line.get("fields") != names:
            archived = line.get("fields") or []
            missing = [name for name in names if name not in archived]
            extra = [name for name in archived if name not in names]
            raise self.error(
                f"the fields of “{label}” differ from this database's: "
                f"missing {missing or 'none'}, unknown {extra or 'none'}"
                f"{', or in another order' if not (missing or extra) else ''}."
            )
        report.counts[label] = 0
        return model

    def _restore_rows(self, model, report):
        """Insert the table's rows in batches; return the line after its last row."""
        fields = archived_fields(model)
        converters = [self._converter(each) for each in fields]
        label = model._meta.label_lower
        batch, first_line = [], self.line_number + 1
        while isinstance(line := self.next_line("its end"), list):
            if len(line) != len(fields):
                raise self.error(f"“{label}” row has {len(line)} values, not {len(fields)}.")
            values = {}
            for each, convert, value in zip(fields, converters, line, strict=True):
                try:
                    values[each.attname] = None if value is None else convert(value)
                except (ValidationError, TypeError, ValueError) as error:
                    reason = "; ".join(getattr(error, "messages", [str(error)]))
                    raise self.error(
                        f"“{label}” field “{each.attname}”: bad value {value!r} ({reason})"
                    ) from error
            batch.append(self._instance(model, values))
            report.counts[label] += 1
            if len(batch) == BATCH_SIZE:
                self._insert(model, batch, first_line)
                batch, first_line = [], self.line_number + 1
        self._insert(model, batch, first_line)
        return line

    def _instance(self, model, values):
        if model is get_user_model():
            values["password"] = make_password(None)
        return model(**values)

    def _converter(self, each: models.Field):
        if _is_natural_key(each):
            return _NaturalKeyLookup(each.related_model)
        target = each.target_field if each.is_relation else each
        return target.to_python

    def _insert(self, model, batch, first_line) -> None:
        if not batch:
            return
        try:
            # history-safe: the archive's history rows are restored as they were, in their table.
            model._base_manager.bulk_create(batch)
        except DatabaseError as error:
            raise ArchiveError(
                f"{self.path}, lines {first_line}–{self.line_number}: cannot restore these "
                f"“{model._meta.label_lower}” rows: {error}"
            ) from error

    def _check_end(self, counts, report, expected) -> None:
        if not isinstance(counts, dict):
            raise self.error("the end line gives no row counts.")
        wrong = [
            f"{label} {counts.get(label)} rows, found {report.counts.get(label)}"
            for label in sorted({*counts, *report.counts})
            if counts.get(label) != report.counts.get(label)
        ]
        if wrong:
            raise self.error(f"the end line's row counts differ: {'; '.join(wrong)}.")
        missing = [label for label in expected if label not in report.counts]
        if missing:
            raise self.error(f"the archive has no table for {', '.join(missing)}.")
        if next(self.lines, None) is not None:
            raise self.error("the archive goes on after its end.")


class _NaturalKeyLookup:
    """Turn a natural key into the id of the row it names in this database."""

    def __init__(self, model):
        self.model = model
        self.ids = {key: pk for pk, key in _natural_keys(model).items()}
        # A content type's is (app_label, model); a permission's (codename, app_label, model).
        self.length = 2 if model is ContentType else 3

    def __call__(self, key):
        if not (isinstance(key, list) and len(key) == self.length):
            raise ValidationError(f"not the natural key of a {self.model._meta.verbose_name}")
        key = tuple(key)
        if key not in self.ids:
            if self.model is not ContentType:
                raise ValidationError(f"no {self.model._meta.verbose_name} {list(key)} here")
            # The log may name a model since removed: keep its entries, as Django does.
            self.ids[key] = ContentType.objects.create(app_label=key[0], model=key[1]).pk
        return self.ids[key]


def _migration_differences(archived: dict, applied: dict) -> list[str]:
    differences = []
    for label in PROJECT_APPS:
        theirs, ours = set(archived.get(label, [])), set(applied.get(label, []))
        if only_theirs := sorted(theirs - ours):
            differences.append(f"only the archive has {label} {', '.join(only_theirs)}")
        if only_ours := sorted(ours - theirs):
            differences.append(f"only this database has {label} {', '.join(only_ours)}")
    return differences
