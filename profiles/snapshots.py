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
from itertools import groupby
from operator import itemgetter

from django.utils.text import slugify

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


def build_snapshot(profile, treaty_status=None) -> dict:
    """Freeze a profile fetched with Profile.objects.with_tree() into a snapshot."""
    treaty = profile.topic.treaty
    sections, footnotes, anchors = [], [], set()
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
                "anchor": _unique_anchor(section.heading or section.kind, anchors),
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


def _unique_anchor(text: str, taken: set[str]) -> str:
    base = slugify(text) or "section"
    anchor, suffix = base, 2
    while anchor in taken:
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


def report_layout(snapshot: dict) -> dict:
    """Arrange a snapshot for the report templates (profiles/_report.html): `sections`, each
    with its `paragraphs`, and `contents`, the headed sections with their sub-sections."""
    sections = [{**section, "paragraphs": paragraphs(section)} for section in snapshot["sections"]]
    contents = []
    for section in sections:
        if not (section["heading"] or section["kind"] == "summary"):
            continue
        if section["level"] == 2 and contents:
            contents[-1]["children"].append(section)
        else:
            contents.append({"section": section, "children": []})
    return {"sections": sections, "contents": contents}
