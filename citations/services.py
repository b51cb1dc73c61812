"""Editorial acts on citations: fact-checking reviews; linking footnotes to their sources."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from citations.models import REVIEW_FIELDS, Citation, CitationSource, ReviewState, Source
from citations.sources import ibid_only, parse_footnote, source_digest
from history.changesets import bulk_create_versioned, change_set
from history.writer import HistoryWriter


class ReviewRefused(PermissionDenied):
    """A review the rules do not allow; the message says why."""


def citation_review(*, citation: Citation, reviewer, state: str, note: str = "") -> Citation:
    """Record a fact-checker's review of one citation.

    Four eyes: whoever last wrote the claim's text or the footnote's cannot verify it.
    """
    if state not in ReviewState.values:
        raise ValueError(f"Unknown review state “{state}”.")
    if not reviewer.has_perm("citations.review_citation"):
        raise ReviewRefused("You are not a fact-checker.")
    with transaction.atomic(), change_set(action="review", user=reviewer, reason="Reviewed"):
        citation = (
            Citation.objects.select_for_update(of=("self",))
            .select_related("claim")
            .get(pk=citation.pk)
        )
        authors = {citation.text_changed_by_id, citation.claim.text_changed_by_id}
        if state == ReviewState.VERIFIED and reviewer.pk in authors:
            raise ReviewRefused(
                "You wrote the current text of this claim or footnote: another fact-checker "
                "must verify it."
            )
        citation.review_state = state
        citation.reviewed_by = reviewer if state != ReviewState.UNREVIEWED else None
        citation.reviewed_at = timezone.now() if state != ReviewState.UNREVIEWED else None
        citation.review_note = note.strip()
        writer = HistoryWriter(
            user=reviewer, reason=f"Reviewed: {ReviewState(state).label.lower()}"
        )
        writer.save(citation, update_fields=REVIEW_FIELDS)
    return citation


def citations_review(*, citations, reviewer, state: str, note: str = "") -> tuple[int, list[str]]:
    """Review several citations in one transaction; return how many were reviewed and why
    the others were refused (all are tried; refusals don't stop the rest)."""
    reviewed, refusals = 0, []
    with transaction.atomic(), change_set(action="review", user=reviewer, reason="Reviewed"):
        for citation in citations:
            try:
                citation_review(citation=citation, reviewer=reviewer, state=state, note=note)
            except ReviewRefused as refusal:
                refusals.append(f"{citation}: {refusal}")
            else:
                reviewed += 1
    return reviewed, refusals


def citations_link_sources(*, citations, user=None, reason: str = "") -> Counter:
    """Link footnotes to the sources their text cites, storing each source once.

    Each citation's text is read (citations.sources.parse_footnote, best effort) into the
    sources it cites; a source already stored under the same key (kind, who, what, date) is
    reused, and the blank fields it lacks are filled; any other is created. The citation's
    links are then made to match, in order, with their pinpoints: links that already match
    are left alone, others are changed, added or removed (with history; sources are never
    deleted, and the footnote's text is never changed). A footnote in which no source can be
    read keeps the links it has, which an editor may have made by hand. "Ibid." links to the
    previous footnote's last source, in profile order; a footnote that is only "Ibid." and
    follows one whose links changed here is relinked too.

    Return what was done, counted (e.g. "sources created", "source links added").
    """
    wanted = {citation.pk for citation in citations}
    counts: Counter = Counter()
    if not wanted:
        return counts
    with transaction.atomic():
        # Every footnote of the profiles concerned, in reading order (for "Ibid.").
        profiles = Citation.objects.filter(pk__in=wanted).values("claim__section__profile")
        footnotes = list(
            Citation.objects.filter(claim__section__profile__in=profiles)
            .order_by(
                "claim__section__profile",
                "claim__section__position",
                "claim__position",
                "position",
            )
            .values_list(
                "pk", "text", "claim__section__profile", "claim__section__profile__country__name"
            )
        )
        links: dict[int, list[CitationSource]] = {}
        for link in CitationSource.objects.filter(
            citation__claim__section__profile__in={row[2] for row in footnotes}
        ).order_by("citation", "position"):
            links.setdefault(link.citation_id, []).append(link)

        parsed = {
            pk: parse_footnote(text, country=country)
            for pk, text, _profile, country in footnotes
            if pk in wanted
        }
        sources = _sources_for(
            [c for candidates in parsed.values() for c in candidates if not c.ibid],
            user=user,
            reason=reason,
            counts=counts,
        )

        final: dict[int, list[tuple[int, str]]] = {}
        relinked: set[int] = set()
        new_links: list[CitationSource] = []
        previous, profile = None, None
        for pk, text, profile_id, _country in footnotes:
            if profile_id != profile:
                previous, profile = None, profile_id
            existing = [(link.source_id, link.pinpoint) for link in links.get(pk, [])]
            if parsed.get(pk):
                candidates = parsed[pk]
            elif previous in relinked and (ibid := ibid_only(text)) is not None:
                candidates = [ibid]
            else:
                candidates = None
            if candidates is None:
                final[pk] = existing
            else:
                final[pk] = _links_wanted(candidates, sources, final.get(previous, []))
                if final[pk] != existing:
                    _relink(pk, links.get(pk, []), final[pk], new_links, user, reason, counts)
                    relinked.add(pk)
            previous = pk
        if new_links:
            bulk_create_versioned(new_links, CitationSource, user=user, reason=reason)
            counts["source links added"] += len(new_links)
    return counts


def _sources_for(candidates, *, user, reason: str, counts: Counter) -> dict[str, Source]:
    """Return the stored source for each candidate's key, creating the missing ones in bulk
    and filling the blank fields of the others."""
    wanted: dict[str, dict] = {}
    for candidate in candidates:
        key, values = _stored(candidate)
        merged = wanted.setdefault(key, values)
        for name, value in values.items():
            merged[name] = merged[name] or value
    sources: dict[str, Source] = {}
    for source in Source.objects.filter(key__in=wanted).order_by("pk"):
        sources.setdefault(source.key, source)
    for key, source in sources.items():
        blanks = {
            name: value
            for name, value in wanted[key].items()
            if value and getattr(source, name) in ("", None)
        }
        if blanks:
            for name, value in blanks.items():
                setattr(source, name, value)
            HistoryWriter(user=user, reason=reason).save(source, update_fields=list(blanks))
            counts["sources completed"] += 1
    missing = [Source(key=key, **values) for key, values in wanted.items() if key not in sources]
    if missing:
        created = bulk_create_versioned(missing, Source, user=user, reason=reason)
        sources.update((source.key, source) for source in created)
        counts["sources created"] += len(missing)
    return sources


def _links_wanted(candidates, sources: dict[str, Source], previous_links) -> list[tuple[int, str]]:
    """Return the (source id, pinpoint) links a footnote's candidates call for, in order."""
    wanted = []
    for candidate in candidates:
        if candidate.ibid:
            if not previous_links:
                continue  # nothing before it to repeat
            source_id, pinpoint = previous_links[-1]
            link = (source_id, _fit_pinpoint(candidate.pinpoint) or pinpoint)
        else:
            link = (sources[_stored(candidate)[0]].pk, _fit_pinpoint(candidate.pinpoint))
        if link not in wanted:
            wanted.append(link)
    return wanted


def _relink(citation_id, old_links, wanted, new_links, user, reason: str, counts: Counter):
    """Make a citation's links match `wanted`, position by position, with history."""
    writer = HistoryWriter(user=user, reason=reason)
    by_position = {link.position: link for link in old_links}
    for position, (source_id, pinpoint) in enumerate(wanted, 1):
        link = by_position.pop(position, None)
        if link is None:
            new_links.append(
                CitationSource(
                    citation_id=citation_id,
                    source_id=source_id,
                    position=position,
                    pinpoint=pinpoint,
                )
            )
        elif (link.source_id, link.pinpoint) != (source_id, pinpoint):
            link.source_id, link.pinpoint = source_id, pinpoint
            writer.save(link, update_fields=["source", "pinpoint"])
            counts["source links changed"] += 1
    for link in by_position.values():
        writer.delete(link)
        counts["source links removed"] += 1


def _stored(candidate) -> tuple[str, dict]:
    """Return the key and the field values of the Source a candidate is stored as."""
    values = _fit(Source, candidate.source_fields())
    return source_digest(SimpleNamespace(**values)), values


def _fit(model, values: dict) -> dict:
    """Shorten text to what the model's fields hold (a footnote can outgrow a field)."""
    fitted = {}
    for name, value in values.items():
        limit = model._meta.get_field(name).max_length
        if isinstance(value, str) and limit and len(value) > limit:
            value = f"{value[: limit - 1]}…"
        fitted[name] = value
    return fitted


def _fit_pinpoint(pinpoint: str) -> str:
    return _fit(CitationSource, {"pinpoint": pinpoint})["pinpoint"]
