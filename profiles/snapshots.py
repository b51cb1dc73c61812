"""The publication snapshot: a profile's whole tree frozen as JSON.

A snapshot is what the public reads, served as is at `/countries/<country>/<topic>.json`:

    {
      "format": 1,
      "country": {"name", "slug", "iso3", "region"},
      "topic": {"name", "slug"},
      "treaty": {"name", "short_name", "slug"} or null,
      "treaty_status": {"status", "status_label", "signed_on", "joined_on", "joined_by",
                        "in_force_on", "initial_report_due_on", "last_report_submitted_on"}
                       or null,
      "last_updated": "2016-06-07",
      "status_box_heading": "", "status_box": [[label, value], ...],
      "compact_footnotes": false,
      "sections": [{"kind", "heading", "level", "anchor",
                    "claims": [{"text", "paragraph", "separator", "footnotes": [1, 2]}]}],
      "footnotes": [{"number", "text", "marker_spacing"}]
    }

Dates are ISO 8601 strings. Footnote numbers are computed here, in reading order.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from functools import cache
from itertools import groupby
from operator import itemgetter

from django.apps import apps
from django.utils.text import slugify

from monitor.site import absolute_url
from profiles.textformat import (
    ClaimDocument,
    FootnoteDocument,
    ProfileDocument,
    SectionDocument,
)

SNAPSHOT_FORMAT = 1
TREATY_STATUS_FIELDS = (
    "signed_on",
    "joined_on",
    "joined_by",
    "in_force_on",
    "initial_report_due_on",
    "last_report_submitted_on",
)

# The ids the report pages give their own elements, which no section may be anchored at: an id
# used twice makes a link jump to the first, so the contents' "Notes" would open a section
# headed "Footnotes". The public report (base.html, includes/header.html and the templates
# profiles/profile_detail.html, _report.html and _footnotes.html) ...
PAGE_IDS = frozenset(
    {"content", "site-search-q", "report-title", "toc-heading", "status-box", "footnotes"}
)
# ... and the admin's as-it-stood page (Django's admin/base.html, base_site.html and
# nav_sidebar.html around admin/profiles/profile/history_at.html), whose snapshots are always
# built afresh. Its sidebar also heads each model's row "<app label>-<model name>"
# (admin_page_ids()). tests/profiles/test_report_anchors.py checks both lists against the pages.
ADMIN_PAGE_IDS = frozenset(
    {
        "container",
        "header",
        "branding",
        "site-name",
        "user-tools",
        "logout-form",
        "toggle-nav-sidebar",
        "nav-sidebar",
        "nav-filter",
        "main",
        "content-start",
        "content-main",
        "footer",
        "icon-auto",
        "icon-moon",
        "icon-sun",
    }
)
# Each footnote (fn-3) and its marker in the text (fnref-3).
FOOTNOTE_ID = re.compile(r"fn(?:ref)?-[0-9]+")


def build_snapshot(profile, treaty_status=None) -> dict:
    """Freeze a profile fetched with Profile.objects.with_tree() into a snapshot."""
    treaty = profile.topic.treaty
    sections, footnotes, anchors = [], [], set()
    reserved = PAGE_IDS | admin_page_ids()
    for section in profile.sections.all():
        claims = []
        for claim in section.claims.all():
            numbers = []
            for citation in claim.citations.all():
                footnotes.append(
                    {
                        "number": len(footnotes) + 1,
                        "text": citation.text,
                        "marker_spacing": citation.marker_spacing,
                    }
                )
                numbers.append(len(footnotes))
            claims.append(
                {
                    "text": claim.text,
                    "paragraph": claim.paragraph,
                    "separator": claim.separator,
                    "footnotes": numbers,
                }
            )
        sections.append(
            {
                "kind": section.kind,
                "heading": section.heading,
                "level": section.level,
                "anchor": _unique_anchor(section.heading or section.kind, anchors, reserved),
                "claims": claims,
            }
        )
    return {
        "format": SNAPSHOT_FORMAT,
        "country": {
            "name": profile.country.name,
            "slug": profile.country.slug,
            "iso3": profile.country.iso3,
            "region": profile.country.region,
        },
        "topic": {"name": profile.topic.name, "slug": profile.topic.slug},
        "treaty": (
            {"name": treaty.name, "short_name": treaty.short_name, "slug": treaty.slug}
            if treaty
            else None
        ),
        "treaty_status": _treaty_status(treaty_status),
        "last_updated": profile.last_updated.isoformat(),
        "status_box_heading": profile.status_box_heading,
        "status_box": [list(row) for row in profile.status_box],
        "compact_footnotes": profile.compact_footnotes,
        "sections": sections,
        "footnotes": footnotes,
    }


def snapshot_checksum(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def served_snapshot(publication, request=None) -> dict:
    """The edition as its `.json` export and the API serve it: the stored snapshot and an
    `edition` key (number, publication time, absolute address). A new dict: the stored
    snapshot is left as it is."""
    edition = {
        "number": publication.number,
        "published_at": publication.published_at.isoformat(),
        "url": absolute_url(publication.get_absolute_url(), request),
    }
    return {**publication.snapshot, "edition": edition}


def document_from_snapshot(snapshot: dict) -> ProfileDocument:
    """Rebuild the plain-text document of an edition (for its .txt export)."""
    footnotes = {footnote["number"]: footnote for footnote in snapshot["footnotes"]}
    return ProfileDocument(
        country=snapshot["country"]["name"],
        topic=snapshot["topic"]["name"],
        last_updated=datetime.date.fromisoformat(snapshot["last_updated"]),
        status_box_heading=snapshot["status_box_heading"],
        status_box=[tuple(row) for row in snapshot["status_box"]],
        compact_footnotes=snapshot["compact_footnotes"],
        sections=[
            SectionDocument(
                kind=section["kind"],
                heading=section["heading"],
                level=section["level"],
                claims=[
                    ClaimDocument(
                        text=claim["text"],
                        paragraph=claim["paragraph"],
                        separator=claim["separator"],
                        footnotes=[
                            FootnoteDocument(
                                text=footnotes[number]["text"],
                                marker_spacing=footnotes[number]["marker_spacing"],
                            )
                            for number in claim["footnotes"]
                        ],
                    )
                    for claim in section["claims"]
                ],
            )
            for section in snapshot["sections"]
        ],
    )


@cache
def admin_page_ids() -> frozenset[str]:
    """Return the ids of the admin page around the as-it-stood report."""
    models = apps.get_models()
    return ADMIN_PAGE_IDS | {f"{m._meta.app_label}-{m._meta.model_name}" for m in models}


def is_page_id(anchor: str, reserved: frozenset[str] | None = None) -> bool:
    """Return whether a report page gives one of its own elements this id: the public
    report (`reserved=PAGE_IDS`) or, by default, either that or the admin's."""
    if reserved is None:
        reserved = PAGE_IDS | admin_page_ids()
    return anchor in reserved or FOOTNOTE_ID.fullmatch(anchor) is not None


def _unique_anchor(text: str, taken: set[str], reserved) -> str:
    """Return the slug of `text`, numbered from 2 when another section or the page has it."""
    base = slugify(text) or "section"
    anchor, suffix = base, 2
    while anchor in taken or is_page_id(anchor, reserved):
        anchor, suffix = f"{base}-{suffix}", suffix + 1
    taken.add(anchor)
    return anchor


def _treaty_status(status) -> dict | None:
    if status is None:
        return None
    values = {
        name: (value.isoformat() if hasattr(value, "isoformat") else value)
        for name in TREATY_STATUS_FIELDS
        for value in [getattr(status, name)]
    }
    return {
        "status": status.status,
        "status_label": status.get_status_display(),
        **values,
    }


def paragraphs(section: dict) -> list[list[dict]]:
    """Group a snapshot section's claims into paragraphs."""
    return [list(claims) for _number, claims in groupby(section["claims"], itemgetter("paragraph"))]


def section_anchors(snapshot: dict) -> list[str]:
    """Return the anchor of each section of a snapshot on the public report page.

    A section keeps the anchor stored in its snapshot, unless the page has that id already:
    editions published before sections avoided the page's ids may hold a section anchored at
    "footnotes", say. Such a section is anchored afresh, numbered like a repeated heading
    ("footnotes-2", or the next number no other section holds), and the page's own element
    keeps the id it has on every report page.
    """
    stored = [section["anchor"] for section in snapshot["sections"]]
    taken = set(stored)
    return [
        _unique_anchor(anchor, taken, PAGE_IDS) if is_page_id(anchor, PAGE_IDS) else anchor
        for anchor in stored
    ]


def report_layout(snapshot: dict) -> dict:
    """Arrange a snapshot for the report templates (profiles/_report.html): `sections`, each
    with its `paragraphs` and its `anchor` on the page (see section_anchors()), and
    `contents`, the headed sections with their sub-sections."""
    sections = [
        {**section, "anchor": anchor, "paragraphs": paragraphs(section)}
        for section, anchor in zip(snapshot["sections"], section_anchors(snapshot), strict=True)
    ]
    contents = []
    for section in sections:
        if not (section["heading"] or section["kind"] == "summary"):
            continue
        if section["level"] == 2 and contents:
            contents[-1]["children"].append(section)
        else:
            contents.append({"section": section, "children": []})
    return {"sections": sections, "contents": contents}
