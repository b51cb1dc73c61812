"""Reverting: one object, one change set, or a whole profile back to a point in time.

Each revert is planned first (`plan_*`: what it will restore, change and delete, and the
working copy it will leave, for the confirmation page to compare), then carried out by the
services (`profile_revert_to`, `change_set_revert`, `object_revert`), each one transaction
and one change set of action "revert", so that a revert can itself be reverted.

What a revert writes:
- Objects deleted since are brought back with their original ids (rebuilt from their
  historical record and saved, so the return is recorded like any creation); objects created
  since are deleted, children first.
- Existing objects get back the values of their editorial fields (REVERTED_FIELDS). Review
  fields are a fact-checker's verdict and are never reverted: reverting a claim's or a
  footnote's text sends its citations back to review, as any edit of the text does. A
  footnote brought back returns with the review it had.
- A profile's publication state (its editions, whether it is public) is left alone: publish
  again to make a reverted working copy public.
- Sources are shared by profiles: reverting a profile brings back the sources its links
  need but leaves the sources' fields as they are; reverting a change set reverts the
  changes it made to sources, and deletes a source it created once nothing links to it.
- Siblings keep unique positions: rows that move or go are parked out of the way first,
  as the importer does; when a revert would put two siblings at one place (the others moved
  since), that parent's children are renumbered, the reverted ones first.

Reverting a change set undoes what it did, field by field: a field changed again since is
left as it is, and an object deleted since stays deleted; the plan lists what was skipped.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from citations.models import ReviewState, Source
from history.changesets import change_set
from history.writer import HistoryWriter
from monitor.security import security_event_on_commit
from profiles.models import ChangeSet, Profile
from profiles.states import (
    KINDS,
    TREE,
    StateComparison,
    Tree,
    compare_states,
    history_model,
    tracked_fields,
    tree_snapshot,
)
from profiles.timeline import _values, change_set_touched

# The fields a revert writes back, by kind of object.
PROFILE_FIELDS = ("last_updated", "status_box_heading", "status_box", "compact_footnotes", "notes")
REVERTED_FIELDS = {
    "section": ("profile_id", "position", "kind", "heading", "level"),
    "claim": ("section_id", "position", "paragraph", "text", "separator", "no_citation_needed"),
    "citation": ("claim_id", "position", "text", "marker_spacing"),
    "link": ("citation_id", "source_id", "position", "pinpoint"),
}
SOURCE_FIELDS = tuple(name for name in tracked_fields(Source) if name != "id")


class RevertRefused(Exception):
    """A revert that cannot be made; the message says why."""


@dataclass
class RevertPlan:
    """What a revert will do to a profile's working copy."""

    profile: Profile
    current: Tree
    result: Tree
    reason: str
    profile_changes: dict = field(default_factory=dict)
    restores: dict[str, dict[int, dict]] = field(default_factory=lambda: _by_kind(dict))
    updates: dict[str, dict[int, dict]] = field(default_factory=lambda: _by_kind(dict))
    deletes: dict[str, set[int]] = field(default_factory=lambda: _by_kind(set))
    source_restores: dict[int, dict] = field(default_factory=dict)
    source_updates: dict[int, dict] = field(default_factory=dict)
    source_deletes: set[int] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.profile_changes
            or any(self.restores.values())
            or any(self.updates.values())
            or any(self.deletes.values())
            or self.source_restores
            or self.source_updates
            or self.source_deletes
        )

    @property
    def counts(self) -> dict[str, int]:
        """How many objects the revert brings back, changes and deletes."""
        return {
            "brought back": sum(map(len, self.restores.values())) + len(self.source_restores),
            "changed": sum(map(len, self.updates.values()))
            + len(self.source_updates)
            + bool(self.profile_changes),
            "deleted": sum(map(len, self.deletes.values())) + len(self.source_deletes),
        }

    @property
    def summary(self) -> str:
        """E.g. "2 brought back, 1 changed, 0 deleted"."""
        return ", ".join(f"{count} {what}" for what, count in self.counts.items())

    def comparison(self) -> StateComparison:
        """Compare the working copy now with the one the revert will leave."""
        return compare_states(
            tree_snapshot(self.current, self.profile), tree_snapshot(self.result, self.profile)
        )


@dataclass
class RevertResult:
    plan: RevertPlan
    change_set: ChangeSet | None  # None when there was nothing to revert


def _by_kind(factory):
    return {kind.name: factory() for kind in TREE}


# Planning -------------------------------------------------------------------------------------


def _profile_tree(profile: Profile) -> Profile:
    """Return the profile with what snapshots need (country, topic and treaty)."""
    return Profile.objects.select_related("country", "topic__treaty").get(pk=profile.pk)


def plan_profile_revert(*, profile: Profile, when: datetime.datetime) -> RevertPlan:
    """Plan putting the whole working copy back as it stood at `when`."""
    profile = _profile_tree(profile)
    target = Tree.at(profile, when)
    if target.profile is None:
        raise RevertRefused(f"{profile} did not exist yet on {when:%d %B %Y at %H:%M}.")
    current = Tree.current(profile)
    targets: dict[str, dict[int, dict | None]] = {}
    for kind in TREE:
        wanted: dict[int, dict | None] = dict(target.rows[kind.name])
        for pk in current.rows[kind.name].keys() - wanted.keys():
            wanted[pk] = None
        targets[kind.name] = wanted
    reason = f"Reverted to the state of {timezone.localtime(when):%d %B %Y, %H:%M:%S}"
    return _plan(
        profile,
        current,
        targets,
        profile_values={name: target.profile[name] for name in PROFILE_FIELDS},
        reason=reason,
    )


def plan_change_set_revert(*, profile: Profile, change_set: ChangeSet) -> RevertPlan:
    """Plan undoing what one change set did within the profile."""
    profile = _profile_tree(profile)
    touched = change_set_touched(profile, change_set)
    current = Tree.current(profile)
    skipped: list[str] = []
    targets: dict[str, dict[int, dict | None]] = {kind.name: {} for kind in TREE}
    for kind in TREE:
        for pk, done in touched[kind.name].items():
            label = _label(kind.name, done.last)
            now = current.rows[kind.name].get(pk)
            if done.created and done.deleted:
                continue
            if done.created:
                targets[kind.name][pk] = None
            elif done.deleted:
                if now is None:
                    targets[kind.name][pk] = _values(done.before, kind.model)
                else:
                    skipped.append(f"{label}: brought back since; left as it is.")
            elif now is None:
                skipped.append(f"{label}: deleted since; left deleted.")
            else:
                wanted = _undo_fields(
                    done.before, done.last, now, REVERTED_FIELDS[kind.name], label, skipped
                )
                if wanted:
                    targets[kind.name][pk] = {**now, **wanted}

    profile_values = None
    if (done := touched["profile"].get(profile.pk)) and done.before is not None:
        profile_values = {
            **current.profile,
            **_undo_fields(
                done.before, done.last, current.profile, PROFILE_FIELDS, "The profile", skipped
            ),
        }

    sources = _undo_sources(touched["source"], skipped)
    reason = f"Reverted change set #{change_set.pk} ({change_set})"
    return _plan(
        profile,
        current,
        targets,
        profile_values=profile_values,
        sources=sources,
        skipped=skipped,
        reason=reason,
    )


def plan_object_revert(*, record) -> RevertPlan:
    """Plan putting one object back as its historical `record` shows it (bringing it back
    if it was deleted since)."""
    model = record.instance_type
    name = next((kind.name for kind in TREE if kind.model is model), None)
    values = {attname: getattr(record, attname) for attname in tracked_fields(model)}
    label = f"{model._meta.verbose_name} “{record.history_object}”"
    when = f"{timezone.localtime(record.history_date):%d %B %Y, %H:%M:%S}"
    reason = f"Reverted {label} to its version of {when}"
    if model is Profile:
        profile = _profile_tree(Profile(pk=record.id))
        return _plan(
            profile,
            Tree.current(profile),
            {},
            profile_values={name: values[name] for name in PROFILE_FIELDS},
            reason=reason,
        )
    if name is None:
        raise RevertRefused(f"A {model._meta.verbose_name} is not reverted here.")
    profile = _profile_tree(Profile(pk=_profile_of(KINDS[name], values)))
    return _plan(profile, Tree.current(profile), {name: {record.id: values}}, reason=reason)


def _profile_of(kind, values: dict) -> int:
    """Return the id of the live profile an object (as `values`) belongs under."""
    parent_id = values[kind.parent_field]
    while kind.parent is not None:
        parent = KINDS[kind.parent]
        row = parent.model.objects.filter(pk=parent_id).values(parent.parent_field).first()
        if row is None:
            raise RevertRefused(
                f"Its {parent.model._meta.verbose_name} no longer exists: revert the "
                f"{parent.model._meta.verbose_name} first, or the profile to a point in time."
            )
        kind, parent_id = parent, row[parent.parent_field]
    if not Profile.objects.filter(pk=parent_id).exists():
        raise RevertRefused("Its profile no longer exists.")
    return parent_id


def _undo_fields(before: dict, after: dict, now: dict, names, label: str, skipped) -> dict:
    """Return the fields to set back: those the change set changed (from `before` to
    `after`) and nobody changed again since; note the others."""
    wanted = {}
    for name in names:
        if before[name] == after[name]:
            continue
        if now[name] != after[name]:
            skipped.append(f"{label}: “{name.removesuffix('_id')}” changed again since; kept.")
            continue
        wanted[name] = before[name]
    return wanted


def _undo_sources(touched, skipped) -> dict[int, dict | None]:
    """Return, for each source the change set touched, the values to put back (None: delete
    it if nothing links to it any more)."""
    live = {row["id"]: row for row in Source.objects.filter(pk__in=list(touched)).values()}
    wanted: dict[int, dict | None] = {}
    for pk, done in touched.items():
        label = _label("source", done.last)
        now = live.get(pk)
        if done.created and done.deleted:
            continue
        if done.created:
            if now is not None:
                wanted[pk] = None
        elif done.deleted:
            if now is None:
                wanted[pk] = _values(done.before, Source)
        elif now is None:
            skipped.append(f"{label}: deleted since; left deleted.")
        else:
            changes = _undo_fields(done.before, done.last, now, SOURCE_FIELDS, label, skipped)
            if changes:
                wanted[pk] = {**now, **changes}
    return wanted


def _label(name: str, values: dict) -> str:
    if name == "section":
        return f"Section “{values['heading'] or values['kind']}”"
    if name == "claim":
        return f"Claim “{_short(values['text'])}”"
    if name == "citation":
        return f"Footnote “{_short(values['text'])}”"
    if name == "link":
        return f"Source link #{values['id']}"
    if name == "source":
        return f"Source “{_short(values.get('title') or values.get('author') or '')}”"
    return name


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else f"{text[: length - 1]}…"


def _plan(
    profile: Profile,
    current: Tree,
    targets: dict[str, dict[int, dict | None]],
    *,
    reason: str,
    profile_values: dict | None = None,
    sources: dict[int, dict | None] | None = None,
    skipped: list[str] | None = None,
) -> RevertPlan:
    """Plan making the working copy match `targets` (for each kind, id → the values wanted,
    or None to delete), keeping the tree whole and positions unique."""
    plan = RevertPlan(
        profile=profile,
        current=current,
        result=current.copy(),
        reason=reason,
        skipped=skipped or [],
    )
    result = plan.result

    if profile_values is not None:
        plan.profile_changes = {
            name: profile_values[name]
            for name in PROFILE_FIELDS
            if name in profile_values and current.profile[name] != profile_values[name]
        }
        result.profile = {**current.profile, **plan.profile_changes}

    for kind in TREE:
        wanted = targets.get(kind.name, {})
        missing = [
            pk for pk, values in wanted.items() if values and pk not in current.rows[kind.name]
        ]
        # An object missing from this profile may live on elsewhere (moved to another one).
        elsewhere = {
            row["id"]: row
            for row in kind.model.objects.filter(pk__in=missing).values(*tracked_fields(kind.model))
        }
        rows = result.rows[kind.name]
        for pk, values in wanted.items():
            if values is None:
                if rows.pop(pk, None) is not None:
                    plan.deletes[kind.name].add(pk)
                continue
            existing = rows.get(pk) or elsewhere.get(pk)
            if existing is None:
                rows[pk] = dict(values)
                plan.restores[kind.name][pk] = dict(values)
                continue
            changes = {
                name: values[name]
                for name in REVERTED_FIELDS[kind.name]
                if name in values and existing[name] != values[name]
            }
            if changes:
                rows[pk] = {**existing, **changes}
                plan.updates[kind.name][pk] = changes

    _plan_sources(plan, sources or {})
    _keep_tree_whole(plan)
    _keep_positions_unique(plan)
    _foresee_review_resets(plan)
    return plan


def _foresee_review_resets(plan: RevertPlan) -> None:
    """Show in the result what saving will do: a citation whose text, or whose claim's text,
    changes goes back to review."""
    claims = {pk for pk, changes in plan.updates["claim"].items() if "text" in changes}
    texts = {pk for pk, changes in plan.updates["citation"].items() if "text" in changes}
    for pk, row in plan.result.rows["citation"].items():
        if (pk in texts or row["claim_id"] in claims) and pk not in plan.restores["citation"]:
            row["review_state"] = ReviewState.UNREVIEWED


def _plan_sources(plan: RevertPlan, sources: dict[int, dict | None]) -> None:
    """Plan the sources: those the change set touched, and those the links need."""
    stored = {
        row["id"]: row
        for row in Source.objects.filter(pk__in=list(sources)).values(*tracked_fields(Source))
    }
    for pk, values in sources.items():
        if values is None:
            plan.source_deletes.add(pk)
        elif pk in stored:
            changes = {
                name: values[name] for name in SOURCE_FIELDS if stored[pk][name] != values[name]
            }
            if changes:
                plan.source_updates[pk] = changes
        else:
            plan.source_restores[pk] = values
    needed = {row["source_id"] for row in plan.result.rows["link"].values()}
    live = set(Source.objects.filter(pk__in=needed).values_list("pk", flat=True))
    for pk in needed - live - plan.source_restores.keys():
        last = history_model(Source).objects.filter(id=pk).order_by("-history_date", "-history_id")
        record = last.values(*tracked_fields(Source)).first()
        if record is not None:
            plan.source_restores[pk] = record
    plan.source_deletes -= needed


def _keep_tree_whole(plan: RevertPlan) -> None:
    """Leave no row without its parent: a row the revert would put under a missing parent is
    left as it is (and noted), and a row whose parent goes, goes too."""
    result = plan.result
    sources = {
        *Source.objects.filter(
            pk__in={row["source_id"] for row in result.rows["link"].values()}
        ).values_list("pk", flat=True),
        *plan.source_restores,
    }
    for kind in TREE:
        rows = result.rows[kind.name]
        parents = result.rows[kind.parent] if kind.parent else {plan.profile.pk: None}
        for pk, row in list(rows.items()):
            if row[kind.parent_field] in parents and (
                kind is not KINDS["link"] or row["source_id"] in sources
            ):
                continue
            label = _label(kind.name, row)
            if pk in plan.restores[kind.name]:
                del plan.restores[kind.name][pk]
                del rows[pk]
                plan.skipped.append(
                    f"{label}: its {_parent_name(kind)} no longer exists; not brought back."
                )
                continue
            before = plan.current.rows[kind.name].get(pk)
            if pk in plan.updates[kind.name]:
                del plan.updates[kind.name][pk]
                plan.skipped.append(
                    f"{label}: its {_parent_name(kind)} no longer exists; left as it is."
                )
                if before is None:
                    del rows[pk]
                    continue
                rows[pk] = dict(before)
                if row[kind.parent_field] != before[kind.parent_field] and (
                    before[kind.parent_field] in parents
                ):
                    continue
            # The row's parent is going: it goes with it.
            del rows[pk]
            plan.deletes[kind.name].add(pk)


def _parent_name(kind) -> str:
    return "profile" if kind.parent is None else str(KINDS[kind.parent].model._meta.verbose_name)


def _keep_positions_unique(plan: RevertPlan) -> None:
    """Renumber the children of any parent where the revert would put two at one place."""
    for kind in TREE:
        reverted = plan.restores[kind.name].keys() | plan.updates[kind.name].keys()
        for rows in plan.result.children(kind).values():
            positions = [row["position"] for row in rows]
            if len(set(positions)) == len(positions):
                continue
            rows.sort(key=lambda row: (row["position"], row["id"] not in reverted, row["id"]))
            for number, row in enumerate(rows, 1):
                if row["position"] == number:
                    continue
                row["position"] = number
                if row["id"] in plan.restores[kind.name]:
                    plan.restores[kind.name][row["id"]]["position"] = number
                else:
                    plan.updates[kind.name].setdefault(row["id"], {})["position"] = number


# Carrying out ---------------------------------------------------------------------------------


def profile_revert_to(*, profile: Profile, when: datetime.datetime, user=None) -> RevertResult:
    """Put the whole working copy of a profile back as it stood at `when`."""
    with transaction.atomic():
        _lock(profile)
        return _carry_out(plan_profile_revert(profile=profile, when=when), user=user)


def change_set_revert(*, change_set: ChangeSet, profile: Profile, user=None) -> RevertResult:
    """Undo what one change set did within a profile."""
    with transaction.atomic():
        _lock(profile)
        return _carry_out(plan_change_set_revert(profile=profile, change_set=change_set), user=user)


def object_revert(*, record, user=None) -> RevertResult:
    """Put one object back as its historical record shows it."""
    with transaction.atomic():
        return _carry_out(plan_object_revert(record=record), user=user)


def _lock(profile: Profile) -> None:
    """Hold the profile's row, so that two reverts (or a revert and a publish) of one profile
    are made one after the other."""
    Profile.objects.select_for_update().filter(pk=profile.pk).first()


def _carry_out(plan: RevertPlan, *, user) -> RevertResult:
    if plan.is_empty:
        return RevertResult(plan=plan, change_set=None)
    writer = HistoryWriter(user=user, reason=plan.reason)
    with (
        transaction.atomic(),
        change_set(action=ChangeSet.Action.REVERT, user=user, reason=plan.reason) as scope,
    ):
        live = {
            kind.name: kind.model.objects.in_bulk(
                [*plan.updates[kind.name], *plan.deletes[kind.name]]
            )
            for kind in TREE
        }
        # Rows going with all their children go first, children first: no parking needed.
        early = _deleted_whole(plan)
        for kind in reversed(TREE):
            for pk in sorted(early[kind.name]):
                writer.delete(live[kind.name][pk])
        for kind in TREE:
            moving = {
                pk
                for pk, changes in plan.updates[kind.name].items()
                if changes.keys() & {"position", kind.parent_field}
            }
            for pk in sorted(moving | (plan.deletes[kind.name] - early[kind.name])):
                writer.park(live[kind.name][pk])

        if plan.profile_changes:
            profile = Profile.objects.get(pk=plan.profile.pk)
            for name, value in plan.profile_changes.items():
                setattr(profile, name, value)
            writer.save(profile)
        for values in plan.source_restores.values():
            writer.save(Source(**values))
        for pk, changes in plan.source_updates.items():
            if changes:
                source = Source.objects.get(pk=pk)
                for name, value in changes.items():
                    setattr(source, name, value)
                writer.save(source)

        # A footnote comes back with its review, unless the reviewer's account is gone.
        reviewers = {
            values.get("reviewed_by_id") for values in plan.restores["citation"].values()
        } - {None}
        reviewers &= set(
            get_user_model().objects.filter(pk__in=reviewers).values_list("pk", flat=True)
        )
        for kind in TREE:
            for _pk, values in sorted(plan.restores[kind.name].items()):
                if values.get("reviewed_by_id") not in reviewers:
                    values = (
                        {**values, "reviewed_by_id": None} if "reviewed_by_id" in values else values
                    )
                writer.save(kind.model(**values))
            for pk, changes in sorted(plan.updates[kind.name].items()):
                obj = live[kind.name][pk]
                for name, value in changes.items():
                    setattr(obj, name, value)
                writer.save(obj)

        for kind in reversed(TREE):
            for pk in sorted(plan.deletes[kind.name] - early[kind.name]):
                writer.delete_parked(live[kind.name][pk])
        for pk in sorted(plan.source_deletes):
            source = Source.objects.filter(pk=pk).first()
            if source is not None and not source.citation_links.exists():
                writer.delete(source)
        security_event_on_commit(
            "revert",
            user=user,
            profile=str(plan.profile),
            change_set=getattr(scope.change_set, "pk", ""),
        )
    return RevertResult(plan=plan, change_set=scope.change_set)


def _deleted_whole(plan: RevertPlan) -> dict[str, set[int]]:
    """The rows to delete none of whose children stay."""
    whole = {kind.name: set(plan.deletes[kind.name]) for kind in TREE}
    for kind in reversed(TREE):
        child = next((other for other in TREE if other.parent == kind.name), None)
        if child is None:
            continue
        staying = {
            row[child.parent_field]
            for pk, row in plan.current.rows[child.name].items()
            if pk not in whole[child.name]
        }
        whole[kind.name] -= staying
    return whole
