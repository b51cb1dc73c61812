"""Writes that span several models: importing profiles from the plain-text format, publishing."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from citations.models import Citation, ReviewState
from citations.services import citations_link_sources
from history.changesets import change_set
from history.writer import HistoryWriter
from monitor.security import security_event_on_commit
from profiles.models import (
    Claim,
    Country,
    Profile,
    Publication,
    Section,
    Topic,
    Treaty,
    TreatyStatus,
)
from profiles.search import search_index_publication, search_index_remove
from profiles.snapshots import build_snapshot, snapshot_checksum
from profiles.textformat import (
    FormatProblem,
    ProfileDocument,
    ProfileFormatError,
    document_from_profile,
    format_date,
    parse_date,
    render_profile,
    slug_problem,
)

# A topic's profiles report the status of this treaty.
TOPIC_TREATIES = {
    "cluster-munition-ban-policy": "convention-on-cluster-munitions",
    "mine-ban-policy": "mine-ban-treaty",
}


@dataclass
class ImportReport:
    """What importing one file did (or, in a dry run, would do)."""

    filename: str
    profile: Profile | None = None
    publication: Publication | None = None
    created: bool = False
    counts: Counter = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or any(self.counts.values())

    def summary(self) -> str:
        if self.created:
            totals = ", ".join(
                f"{self.counts[f'{noun} added']} {noun}"
                for noun in ("sections", "claims", "citations")
            )
            return f"{self.filename}: created {self.profile} ({totals})"
        if not self.changed:
            return f"{self.filename}: {self.profile} is unchanged"
        changes = ", ".join(
            f"{count} {what}" for what, count in sorted(self.counts.items()) if count
        )
        return f"{self.filename}: updated {self.profile} ({changes})"


def profiles_import(
    *, documents: list[ProfileDocument], user=None, publish: bool = False, dry_run: bool = False
) -> list[ImportReport]:
    """Import parsed profiles into the working copy, all or nothing, in one transaction;
    with `publish`, publish each one too."""
    names = ", ".join(document.filename for document in documents)
    with transaction.atomic(), change_set(action="import", user=user, reason=f"Imported {names}"):
        reports = [profile_import(document=document, user=user) for document in documents]
        if publish:
            for report in reports:
                result = profile_publish(profile=report.profile, user=user)
                report.publication = result.publication
                report.messages.append(
                    f"published edition {result.publication.number}"
                    if result.created
                    else f"edition {result.publication.number} is already the published one"
                )
        if dry_run:
            transaction.set_rollback(True)
    return reports


def profile_import(*, document: ProfileDocument, user=None, reason: str = "") -> ImportReport:
    """Create or update one profile from a parsed document, keeping unchanged rows as they are.

    Claims and citations are matched to the existing ones by their text, so unchanged ones
    keep their identity and history, edited ones get one new history record, and removed
    ones are deleted (their last state stays in history). The history records give `reason`
    (by default, "Imported from" the document's file).
    """
    report = ImportReport(filename=document.filename)
    writer = HistoryWriter(user=user, reason=reason or f"Imported from {document.filename}")
    with transaction.atomic():
        country = _country_for(document, writer, report)
        topic = _topic_for(document, writer, report)
        profile = _profile_for(document, country, topic, writer, report)
        _sync_tree(profile, document, writer, report)
        if topic.treaty_id:
            _fill_treaty_status(document, country, topic.treaty, writer, report)
        _fill_other_treaty_statuses(document, country, topic.treaty_id, writer, report)
    report.profile = profile
    return report


def profile_export(*, profile: Profile) -> str:
    """Render the working copy of a profile in the plain-text format."""
    tree = Profile.objects.with_tree().get(pk=profile.pk)
    return render_profile(document_from_profile(tree))


# Country, topic and profile ---------------------------------------------------------------


def _country_for(document: ProfileDocument, writer: HistoryWriter, report: ImportReport) -> Country:
    country = Country.objects.match(document.country)
    if country is not None:
        if country.name != document.country:
            report.messages.append(f"country “{document.country}” is {country} ({country.slug})")
        return country
    if problem := slug_problem(document.country):
        raise ProfileFormatError(
            [FormatProblem(document.filename, document.country_line, f"the country {problem}")]
        )
    country = Country(name=document.country, slug=slugify(document.country))
    writer.save(country)
    report.messages.append(
        f"created country “{country.name}” ({country.slug}): no existing country matched; "
        "add its region and ISO code in the admin"
    )
    return country


def _topic_for(document: ProfileDocument, writer: HistoryWriter, report: ImportReport) -> Topic:
    slug = slugify(document.topic)
    topic = Topic.objects.filter(slug=slug).select_related("treaty").first()
    changed = topic is None
    if topic is None:
        topic = Topic(name=document.topic, slug=slug)
        report.messages.append(f"created topic “{topic.name}” ({slug})")
    if topic.treaty_id is None and slug in TOPIC_TREATIES:
        treaty = Treaty.objects.filter(slug=TOPIC_TREATIES[slug]).first()
        if treaty is not None:
            topic.treaty = treaty
            changed = True
            report.messages.append(f"tied topic “{topic.name}” to the {treaty}")
    if changed:
        writer.save(topic)
    return topic


def _profile_for(document, country, topic, writer, report) -> Profile:
    profile = Profile.objects.filter(country=country, topic=topic).first()
    values = {
        "last_updated": document.last_updated,
        "status_box_heading": document.status_box_heading,
        "status_box": [list(row) for row in document.status_box],
        "compact_footnotes": document.compact_footnotes,
    }
    if profile is None:
        profile = Profile(country=country, topic=topic, **values)
        writer.save(profile)
        report.created = True
    elif _assign(profile, values):
        writer.save(profile)
        report.counts["profile fields changed"] += 1
    return profile


def _assign(obj: models.Model, values: dict) -> bool:
    """Set the values that differ; return whether any did."""
    changed = _changes(obj, values)
    for name in changed:
        setattr(obj, name, values[name])
    return bool(changed)


def _changes(obj: models.Model, values: dict) -> set[str]:
    """Name the fields whose wanted value differs from the row's (foreign keys by id)."""
    changed = set()
    for name, value in values.items():
        if isinstance(value, models.Model):
            if getattr(obj, f"{name}_id") != value.pk:
                changed.add(name)
        elif getattr(obj, name) != value:
            changed.add(name)
    return changed


# The tree of sections, claims and citations -------------------------------------------------


def _align(old: list, new: list, *, old_key, new_key) -> list[tuple]:
    """Pair old rows with new documents, in new order; old rows left over pair with None.

    Rows with identical keys are matched as in a diff; then rows that only moved are
    matched by key; then, within each changed stretch, the remaining old and new are paired
    in order, so that an edited claim keeps its identity.
    """
    old_keys, new_keys = [old_key(obj) for obj in old], [new_key(doc) for doc in new]
    opcodes = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False).get_opcodes()
    match: dict[int, int] = {}  # new index -> old index
    for tag, old_start, old_end, new_start, _new_end in opcodes:
        if tag == "equal":
            for offset in range(old_end - old_start):
                match[new_start + offset] = old_start + offset

    unmatched_by_key: dict = {}
    for tag, old_start, old_end, _new_start, _new_end in opcodes:
        if tag != "equal":
            for index in range(old_start, old_end):
                unmatched_by_key.setdefault(old_keys[index], []).append(index)
    for tag, _old_start, _old_end, new_start, new_end in opcodes:
        if tag != "equal":
            for index in range(new_start, new_end):
                if unmatched_by_key.get(new_keys[index]):
                    match[index] = unmatched_by_key[new_keys[index]].pop(0)

    used = set(match.values())
    for tag, old_start, old_end, new_start, new_end in opcodes:
        if tag == "replace":
            olds = [index for index in range(old_start, old_end) if index not in used]
            news = [index for index in range(new_start, new_end) if index not in match]
            for old_index, new_index in zip(olds, news, strict=False):
                match[new_index] = old_index
                used.add(old_index)

    pairs = [(old[match[index]] if index in match else None, doc) for index, doc in enumerate(new)]
    pairs.extend((obj, None) for index, obj in enumerate(old) if index not in used)
    return pairs


def _sync_rows(model, pairs, values_for, writer, report, noun, *, moved_fields, new_rows=None):
    """Write one level of the tree; return the kept and new rows with their documents,
    and the rows to remove (parked, for the caller to delete once their children are gone).

    `pairs` come from _align; `values_for(row, document, position)` gives the wanted fields
    (`row` is None for a new one). Rows that move are parked first, so that no two siblings
    ever share a position. New rows are inserted in bulk, or, when `new_rows` is given,
    collected there for the caller to insert together with those of other parents.
    """
    plan, removed = [], []
    for obj, document in pairs:
        if document is None:
            removed.append(obj)
        else:
            plan.append((obj, document, values_for(obj, document, len(plan) + 1)))
    for obj, _document, values in plan:
        if obj is not None and _changes(obj, values) & moved_fields:
            writer.park(obj)
    for obj in removed:
        writer.park(obj)

    kept, create_now = [], new_rows is None
    new_rows = [] if new_rows is None else new_rows
    for obj, document, values in plan:
        if obj is None:
            obj = model(**values)
            if hasattr(obj, "text_changed_by"):
                obj.text_changed_by = writer.user  # bulk inserts skip save(), which sets it
            new_rows.append(obj)
        elif changed := _changes(obj, values):
            _assign(obj, values)
            writer.save(obj)
            report.counts[f"{noun} {'changed' if changed - moved_fields else 'moved'}"] += 1
        kept.append((obj, document))
    report.counts[f"{noun} added"] += sum(1 for obj, _doc, _values in plan if obj is None)
    if create_now:
        writer.create(model, new_rows)
    return kept, removed


def _citations_by_claim(claims) -> dict[int, list[Citation]]:
    by_claim: dict[int, list[Citation]] = {claim.pk: [] for claim in claims if claim.pk}
    for citation in Citation.objects.filter(claim__in=list(by_claim)).order_by("position"):
        by_claim[citation.claim_id].append(citation)
    return by_claim


def _sync_tree(profile: Profile, document: ProfileDocument, writer, report) -> None:
    old_sections = list(profile.sections.order_by("position"))
    old_claims = list(
        Claim.objects.filter(section__profile=profile).order_by("section__position", "position")
    )

    def section_values(section, doc, position):
        values = {
            "profile": profile,
            "position": position,
            "kind": doc.kind,
            "heading": doc.heading,
        }
        if section is None:
            values["level"] = doc.level  # an existing section keeps the level an editor set
        return values

    sections, removed_sections = _sync_rows(
        Section,
        _align(
            old_sections,
            document.sections,
            old_key=lambda section: (section.kind, section.heading),
            new_key=lambda doc: (doc.kind, doc.heading),
        ),
        section_values,
        writer,
        report,
        "sections",
        moved_fields={"position"},
    )

    positions: Counter = Counter()
    previous_paragraph = [None]

    def claim_values(claim, item, _position):
        section, doc = item
        positions[section.pk] += 1
        first_in_paragraph = previous_paragraph[0] != (section.pk, doc.paragraph)
        previous_paragraph[0] = (section.pk, doc.paragraph)
        return {
            "section": section,
            "position": positions[section.pk],
            "paragraph": doc.paragraph,
            "text": doc.text,
            # The white space before a paragraph's first claim is never shown: keep it.
            "separator": claim.separator if claim and first_in_paragraph else doc.separator,
        }

    claims, removed_claims = _sync_rows(
        Claim,
        _align(
            old_claims,
            [(section, claim_doc) for section, doc in sections for claim_doc in doc.claims],
            old_key=lambda claim: claim.text,
            new_key=lambda item: item[1].text,
        ),
        claim_values,
        writer,
        report,
        "claims",
        moved_fields={"section", "position"},
    )

    # Saving a claim whose text changed sent its citations back to review: read them anew.
    old_citations = _citations_by_claim([claim for claim, _item in claims] + removed_claims)
    old_texts = {citation.pk: citation.text for rows in old_citations.values() for citation in rows}
    removed_citations, new_citations, kept_citations = [], [], []
    for claim, (_section, doc) in claims:

        def citation_values(_citation, footnote, position, claim=claim):
            return {
                "claim": claim,
                "position": position,
                "text": footnote.text,
                "marker_spacing": footnote.marker_spacing,
            }

        kept, removed = _sync_rows(
            Citation,
            _align(
                old_citations.get(claim.pk, []),
                doc.footnotes,
                old_key=lambda citation: citation.text,
                new_key=lambda footnote: footnote.text,
            ),
            citation_values,
            writer,
            report,
            "citations",
            moved_fields={"position"},
            new_rows=new_citations,
        )
        removed_citations.extend(removed)
        kept_citations.extend(citation for citation, _footnote in kept)
    writer.create(Citation, new_citations)

    for claim in removed_claims:
        removed_citations.extend(old_citations[claim.pk])
    for citation in removed_citations:
        writer.delete_parked(citation)
        report.counts["citations removed"] += 1
    for claim in removed_claims:
        writer.delete_parked(claim)
        report.counts["claims removed"] += 1
    for section in removed_sections:
        writer.delete_parked(section)
        report.counts["sections removed"] += 1

    # Sources are read from new and edited footnotes only: an unchanged one keeps its links.
    report.counts.update(
        citations_link_sources(
            citations=[c for c in kept_citations if old_texts.get(c.pk) != c.text],
            user=writer.user,
            reason=writer.reason,
        )
    )


# Treaty status, where the profile states it plainly -------------------------------------------

DATE = r"(\d{1,2} [A-Z][a-z]+ \d{4})"
SIGNED = re.compile(rf"signed (?:the )?(?:[\w ]+? )?on {DATE}")
JOINED = re.compile(rf"\b(ratified|acceded)(?: to)?(?: the [\w ]+?)? on {DATE}")
IN_FORCE = re.compile(rf"entered into force for (?:the country|[A-Z][\w ]+?) on {DATE}")
PARTY_TO = re.compile(
    r"\bis (?:also )?(?:a )?(?:State )?[Pp]arty to the ([A-Z][\w ]+?)(?=[.,;]| and )"
)
TREATY_FIELDS = ("status", "signed_on", "joined_on", "joined_by", "in_force_on")


def treaty_status_facts(document: ProfileDocument) -> dict:
    """Read the treaty status a profile states plainly in its summary and first section."""
    body = [section for section in document.sections if section.kind == "body"][:1]
    summaries = [section for section in document.sections if section.kind == "summary"]
    text = " ".join(claim.text for section in summaries + body for claim in section.claims)
    facts = {}
    if match := SIGNED.search(text):
        facts["signed_on"] = parse_date(match.group(1))
    if match := JOINED.search(text):
        facts["joined_on"] = parse_date(match.group(2))
        facts["joined_by"] = (
            TreatyStatus.JoinedBy.RATIFICATION
            if match.group(1) == "ratified"
            else TreatyStatus.JoinedBy.ACCESSION
        )
    if match := IN_FORCE.search(text):
        facts["in_force_on"] = parse_date(match.group(1))
    if "joined_on" in facts or re.match(r"(Summary: )?State Party\b", text):
        facts["status"] = TreatyStatus.Status.STATE_PARTY
    elif "signed_on" in facts:
        facts["status"] = TreatyStatus.Status.SIGNATORY
    return {name: value for name, value in facts.items() if value is not None}


def _fill_treaty_status(document, country, treaty, writer, report) -> None:
    facts = treaty_status_facts(document)
    if facts:
        _apply_treaty_status(country, treaty, facts, writer, report)


def _fill_other_treaty_statuses(document, country, topic_treaty_id, writer, report) -> None:
    """Mark state parties of other treaties that the text names plainly (“is party to the …”)."""
    text = " ".join(claim.text for claim in document.claims())
    named = {_treaty_key(match.group(1)) for match in PARTY_TO.finditer(text)}
    if not named:
        return
    for treaty in Treaty.objects.exclude(pk=topic_treaty_id):
        if {_treaty_key(treaty.name), _treaty_key(treaty.short_name)} & named:
            _apply_treaty_status(
                country, treaty, {"status": TreatyStatus.Status.STATE_PARTY}, writer, report
            )


def _treaty_key(name: str) -> str:
    return re.sub(r"\b(certain|the)\b|\s+", "", name.casefold())


def _apply_treaty_status(country, treaty, facts: dict, writer, report) -> None:
    """Fill what the profile states, never overwriting what an editor entered by hand."""
    status = TreatyStatus.objects.filter(country=country, treaty=treaty).first()
    if status is None:
        status = TreatyStatus(country=country, treaty=treaty)
        editor_touched = False
    else:
        editor_touched = status.history.filter(history_user__isnull=False).exists()
    default = TreatyStatus._meta.get_field("status").default
    filled, kept = [], []
    for name, value in facts.items():
        current = getattr(status, name)
        if current == value:
            continue
        is_empty = current in (None, "") or (name == "status" and current == default)
        if is_empty or not editor_touched:
            setattr(status, name, value)
            filled.append(f"{_field_label(name)} {_show(name, value)}")
        else:
            kept.append(
                f"{_field_label(name)} {_show(name, current)} (the file says {_show(name, value)})"
            )
    if filled:
        writer.save(status)
        report.counts["treaty status fields filled"] += len(filled)
        report.messages.append(f"{treaty}: set {', '.join(filled)}")
    if kept:
        report.messages.append(f"{treaty}: kept the editor's {', '.join(kept)}")


def _field_label(name: str) -> str:
    return str(TreatyStatus._meta.get_field(name).verbose_name)


def _show(name: str, value) -> str:
    if hasattr(value, "strftime"):
        return format_date(value)
    return str(dict(TreatyStatus._meta.get_field(name).flatchoices).get(value, value))


# Publishing ---------------------------------------------------------------------------------


class PublishBlocked(Exception):
    """A profile that may not be published yet; the message says why."""


@dataclass
class PublishResult:
    publication: Publication
    created: bool  # False when the working copy equals the latest edition
    restored: bool = False  # True when a withdrawn profile went public again


def profile_publish(*, profile: Profile, user=None) -> PublishResult:
    """Publish the working copy of a profile as a new numbered edition.

    An unchanged working copy creates no new edition (a withdrawn profile goes public again
    with its latest edition). The profile's history records the act, with the user. A profile
    with a disputed citation is refused (PublishBlocked).
    """
    with transaction.atomic(), change_set(action="publish", user=user, reason="Published"):
        # Lock the profile so two publishers cannot take the same edition number.
        profile = Profile.objects.select_for_update().get(pk=profile.pk)
        disputed = Citation.objects.filter(
            claim__section__profile=profile, review_state=ReviewState.DISPUTED
        ).count()
        if disputed:
            raise PublishBlocked(
                f"{profile} has {disputed} disputed citation{'s' if disputed > 1 else ''}: "
                "resolve them before publishing."
            )
        tree = Profile.objects.with_tree().get(pk=profile.pk)
        status = (
            TreatyStatus.objects.filter(
                country_id=profile.country_id, treaty=tree.topic.treaty
            ).first()
            if tree.topic.treaty_id
            else None
        )
        snapshot = build_snapshot(tree, status)
        checksum = snapshot_checksum(snapshot)
        latest = profile.latest_publication
        was_withdrawn = profile.withdrawn_at is not None
        if latest is not None and latest.checksum == checksum:
            if was_withdrawn:
                _set_public_state(
                    profile, latest, user, f"Published again (edition {latest.number})"
                )
                security_event_on_commit(
                    "publish", user=user, profile=str(tree), edition=latest.number
                )
            return PublishResult(publication=latest, created=False, restored=was_withdrawn)

        publication = Publication.objects.create(
            profile=profile,
            number=(latest.number if latest else 0) + 1,
            published_at=timezone.now(),
            published_by=user,
            last_updated=tree.last_updated,
            snapshot=snapshot,
            checksum=checksum,
        )
        _set_public_state(profile, publication, user, f"Published edition {publication.number}")
        security_event_on_commit(
            "publish", user=user, profile=str(tree), edition=publication.number
        )
        return PublishResult(publication=publication, created=True, restored=was_withdrawn)


def profile_withdraw(*, profile: Profile, user=None) -> bool:
    """Withdraw a profile from every public place at once; its editions stay stored.

    Return False when it was not public.
    """
    with transaction.atomic(), change_set(action="publish", user=user, reason="Withdrawn"):
        profile = Profile.objects.select_for_update().get(pk=profile.pk)
        if not profile.is_public:
            return False
        profile.withdrawn_at = profile.public_changed_at = timezone.now()
        writer = HistoryWriter(user=user, reason="Withdrawn from the public site")
        writer.save(profile, update_fields=["withdrawn_at", "public_changed_at"])
        search_index_remove(profile=profile)
        security_event_on_commit("withdraw", user=user, profile=str(profile))
        return True


def _set_public_state(profile: Profile, publication: Publication, user, reason: str) -> None:
    profile.latest_publication = publication
    profile.withdrawn_at = None
    profile.public_changed_at = timezone.now()
    writer = HistoryWriter(user=user, reason=reason)
    writer.save(profile, update_fields=["latest_publication", "withdrawn_at", "public_changed_at"])
    search_index_publication(publication=publication)
