"""Import profiles from the plain-text format into the working copy, and export them back.

A parsed document (profiles.textformat) is synced into the stored tree: rows are paired with
the document's by their text (profiles.alignment), so unchanged ones keep their identity and
history, edited ones get one new history record, and removed ones are deleted. Then the
treaty facts the text states plainly fill the country's treaty statuses (profiles.treaty_facts)
and the footnotes are linked to their sources (citations.services).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils.text import slugify

from citations.models import Citation
from citations.services import citations_link_sources
from history.changesets import change_set
from history.writer import HistoryWriter
from profiles.alignment import Edits, align
from profiles.models import (
    Claim,
    Country,
    Profile,
    Publication,
    Section,
    Topic,
    normalise_name,
)
from profiles.publishing import profile_publish
from profiles.textformat import (
    FormatProblem,
    ProfileDocument,
    ProfileFormatError,
    document_from_profile,
    render_profile,
    slug_problem,
)
from profiles.treaty_facts import treaty_statuses_fill


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
        reports, problems = [], []
        for document in documents:
            # Go on after a refused file, to report every file's problems at once; the
            # error below then rolls everything back.
            try:
                reports.append(profile_import(document=document, user=user))
            except ProfileFormatError as error:
                problems.extend(error.problems)
        if problems:
            raise ProfileFormatError(problems)
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

    Raise ProfileFormatError, having written nothing, when the document names a new country
    or topic whose address another one already has.
    """
    report = ImportReport(filename=document.filename)
    writer = HistoryWriter(user=user, reason=reason or f"Imported from {document.filename}")
    country = Country.objects.match(document.country)
    _refuse_taken_addresses(document, country)
    with transaction.atomic():
        country = _country_for(document, country, writer, report)
        topic = _topic_for(document, writer, report)
        profile = _profile_for(document, country, topic, writer, report)
        _sync_tree(profile, document, writer, report)
        treaty_statuses_fill(
            document=document, country=country, topic=topic, writer=writer, report=report
        )
    report.profile = profile
    return report


def profile_export(*, profile: Profile) -> str:
    """Render the working copy of a profile in the plain-text format."""
    tree = Profile.objects.with_tree().get(pk=profile.pk)
    return render_profile(document_from_profile(tree))


# Country, topic and profile ---------------------------------------------------------------


def _refuse_taken_addresses(document: ProfileDocument, country: Country | None) -> None:
    """Refuse, before anything is written, a new country or topic that cannot have its own
    address (slug): it has none, or another country or topic has it already.

    `country` is the country the document's name matches, if any.
    """
    problems = []

    def refuse(line: int, message: str):
        problems.append(FormatProblem(document.filename, line, message))

    country_slug = country.slug if country else slugify(document.country)
    if country is None:
        if problem := slug_problem(document.country):
            refuse(document.country_line, f"the country {problem}")
        elif taken := Country.objects.filter(slug=country_slug).first():
            refuse(
                document.country_line,
                f"the country “{document.country}” would have the address "
                f"{taken.get_absolute_url()}, which “{taken.name}” already has; use that name or "
                "add it to its alternative names",
            )
    topic = Topic.objects.filter(slug=slugify(document.topic)).first()
    if topic is not None and not topic_names_agree(document.topic, topic):
        refuse(
            document.topic_line,
            f"the topic “{document.topic}” would have the address “{topic.slug}” (as in "
            f"/countries/{country_slug}/{topic.slug}/), which the topic “{topic.name}” already "
            "has; use that name",
        )
    if problems:
        raise ProfileFormatError(problems)


def topic_names_agree(name: str, topic: Topic) -> bool:
    """Tell whether `name` names `topic`: it makes the topic's address, and reads as its name
    apart from case, accents, quote style and spacing (as Country.objects.match compares)."""
    return slugify(name) == topic.slug and normalise_name(name) == normalise_name(topic.name)


def _country_for(document, country: Country | None, writer, report) -> Country:
    if country is not None:
        if country.name != document.country:
            report.messages.append(f"country “{document.country}” is {country} ({country.slug})")
        return country
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
    if topic is None:
        topic = Topic(name=document.topic, slug=slug)
        writer.save(topic)
        report.messages.append(f"created topic “{topic.name}” ({slug})")
    elif topic.name != document.topic:
        report.messages.append(f"topic “{document.topic}” is {topic} ({slug})")
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


def _pairs(old: list, new: list, *, old_key, new_key) -> list[tuple]:
    """Pair stored rows with the document's, as (row or None, document or None), keeping
    the identity of a row whose text was edited in place (alignment.align)."""
    keys = align([old_key(obj) for obj in old], [new_key(doc) for doc in new], edits=Edits.IN_ORDER)
    return [
        (
            None if old_index is None else old[old_index],
            None if new_index is None else new[new_index],
        )
        for old_index, new_index, _in_place in keys
    ]


def _sync_rows(model, pairs, values_for, writer, report, noun, *, moved_fields, new_rows=None):
    """Write one level of the tree; return the kept and new rows with their documents,
    and the rows to remove (parked, for the caller to delete once their children are gone).

    `pairs` come from _pairs; `values_for(row, document, position)` gives the wanted fields
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
        _pairs(
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
        _pairs(
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
            _pairs(
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
