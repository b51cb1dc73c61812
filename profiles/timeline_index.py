"""The index of profile timelines: which change sets wrote records within which profile.

A profile's timeline lists the change sets that touched its tree. Searching every history table
for them on each page would grow with history, so each change set is linked to its profiles
(ProfileChangeSet) once, when it closes (history.changesets.change_set_closed).
"""

from __future__ import annotations

import functools

from django.db import connection
from django.dispatch import receiver

from history.changesets import change_set_closed


@receiver(change_set_closed)
def _link_closed_change_set(sender, change_set_id, **kwargs):
    link_profiles(change_set_id)


def link_profiles(change_set_id: int | None = None) -> None:
    """Record which profiles change set `change_set_id` wrote records within; without an id,
    every change set's (to build the index afresh). Links already there are kept.

    A record is within a profile as profiles/timeline.py's scopes say: a section that ever
    belonged to it, a claim ever in such a section, a citation ever of such a claim, a link
    of such a citation, and a source such a link ever named.
    """
    from profiles.models import ChangeSet

    if change_set_id is None:
        _refresh_statistics()
        for each in ChangeSet.objects.order_by("pk").values_list("pk", flat=True).iterator():
            link_profiles(each)
        return
    sql = _link_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, {"change_set": change_set_id})


def _refresh_statistics() -> None:
    """Bring PostgreSQL's statistics of the tables the link reads up to date.

    A full rebuild usually follows a bulk load in the same transaction (the demo data, a
    migration), where autovacuum cannot see the new rows: planned from statistics of nearly
    empty tables, each change set's link took 0.2–0.8 s instead of milliseconds, and the
    demo data's index over 30 minutes.
    """
    if connection.vendor != "postgresql":
        return
    from citations.models import Citation, CitationSource, Source
    from profiles.models import ChangeSet, Claim, Profile, Section

    models = (Profile, Section, Claim, Citation, CitationSource, Source)
    tables = [ChangeSet._meta.db_table, *(model.history.model._meta.db_table for model in models)]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


@functools.cache
def _link_sql() -> str:
    """One change set's (profile id, change set) pairs, found from its records upwards by
    semi-joins (IN), so that each level is looked up once however many records share it."""
    from citations.models import Citation, CitationSource, Source
    from profiles.models import (
        ChangeSet,
        Claim,
        Profile,
        ProfileChangeSet,
        Release,
        ReleaseProfile,
        Section,
    )

    def history(model) -> str:
        return model.history.model._meta.db_table

    def ids(column: str, model, where: str) -> str:
        return f"SELECT {column} FROM {history(model)} WHERE {where}"

    written = "change_set_id = %(change_set)s"
    # The ids of records of each kind the change set wrote, then of their parents.
    sources = ids("id", Source, written)
    links = f"{ids('citation_id', CitationSource, written)} UNION " + ids(
        "citation_id", CitationSource, f"source_id IN ({sources})"
    )
    citations = f"{ids('claim_id', Citation, written)} UNION " + ids(
        "claim_id", Citation, f"id IN ({links})"
    )
    claims = f"{ids('section_id', Claim, written)} UNION " + ids(
        "section_id", Claim, f"id IN ({citations})"
    )
    profiles = " UNION ".join(
        [
            ids("id AS profile_id", Profile, written),
            ids("profile_id", Section, written),
            ids("profile_id", Section, f"id IN ({claims})"),
            # A release's acts (scheduled, postponed, cancelled) are on the timeline of every
            # profile ever in it; an entry's (added, assigned, taken out) on its profile's.
            ids("profile_id", ReleaseProfile, written),
            ids("profile_id", ReleaseProfile, f"release_id IN ({ids('id', Release, written)})"),
        ]
    )
    index = ProfileChangeSet._meta.db_table
    return (
        f"INSERT INTO {index} (profile_id, change_set_id, created_at) "
        f"SELECT DISTINCT p.profile_id, cs.id, cs.created_at "
        f"FROM ({profiles}) p "
        f"JOIN {ChangeSet._meta.db_table} cs ON cs.id = %(change_set)s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {index} e "
        f"WHERE e.profile_id = p.profile_id AND e.change_set_id = cs.id)"
    )
