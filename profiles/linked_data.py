"""What a report page tells machines about itself: schema.org JSON-LD (a `Report`) and Open
Graph tags, both built from the edition's snapshot.

The JSON-LD goes in a `<script type="application/ld+json">` block: a data block, which no
browser runs, so the Content-Security-Policy (scripts from this site's files only) has nothing
to allow; the characters that could end the block early are escaped.
"""

import json

from django.utils.safestring import mark_safe

from profiles.compare import treaty_status_text
from profiles.models import Publication

PUBLISHER = {"@type": "Organization", "name": "Monitor"}

# "<", ">", "&" and "'" as JSON escapes: "</script>" in a footnote cannot close the block, and
# the page holds no markup character of the text raw, inside the block or out.
JSON_SCRIPT_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    ord("'"): "\\u0027",
}


def report_description(snapshot: dict) -> str:
    """One line on the edition, for search results and link previews."""
    parts = [f"{snapshot['country']['name']}: {snapshot['topic']['name']}."]
    if snapshot.get("treaty_status"):
        parts.append(f"{treaty_status_text(snapshot['treaty_status'])}.")
    return " ".join(parts)


def report_json_ld(publication: Publication, snapshot: dict, url: str) -> dict:
    """The edition as a schema.org Report: what it is about, when it changed, what it cites."""
    country = snapshot["country"]
    about = {"@type": "Country", "name": country["name"]}
    if country.get("iso3"):
        about["identifier"] = country["iso3"]
    return {
        "@context": "https://schema.org",
        "@type": "Report",
        "@id": url,
        "url": url,
        "name": f"{country['name']}: {snapshot['topic']['name']}",
        "headline": f"{country['name']}: {snapshot['topic']['name']}",
        "description": report_description(snapshot),
        "inLanguage": "en",
        "about": about,
        "genre": snapshot["topic"]["name"],
        "version": str(publication.number),
        "datePublished": publication.published_at.isoformat(),
        "dateModified": snapshot["last_updated"],
        "publisher": PUBLISHER,
        "citation": [
            {"@type": "CreativeWork", "position": note["number"], "text": note["text"]}
            for note in snapshot["footnotes"]
        ],
    }


def json_ld_script(data: dict) -> str:
    """The data as a JSON-LD block for a page's <head>."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False).translate(JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308
