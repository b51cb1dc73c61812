"""A corpus of XSS payloads, and a published profile that carries them everywhere editors can
type text: country and topic names, headings, summary, claims, footnotes, status box, source
fields, review notes. The public pages, exports and admin pages must show them as text."""

import json
import re
from html.parser import HTMLParser

from django.utils.html import escape

from citations.models import Citation, ReviewState, Source
from profiles.importing import profiles_import
from profiles.models import Claim, Profile
from profiles.publishing import profile_publish
from profiles.textformat import parse_profile

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "javascript:alert(3)",
    "<svg onload=alert(4)>",
    "</textarea><script>alert(5)</script>",
    "{{ 7*7 }}",
    "<!--",
    "]]>",
    "' onmouseover='alert(9)",
    "&lt;script&gt;alert(10)&lt;/script&gt;",
    '<a href="javascript:alert(11)">click</a>',
    '<iframe src="javascript:alert(12)"></iframe>',
    "<body onload=alert(13)>",
    "</title><script>alert(14)</script>",
    "<details open ontoggle=alert(15)>",
    "\\u003cscript\\u003ealert(16)\\u003c/script\\u003e",
    "<scr<script>ipt>alert(17)</script>",
    "%3Cscript%3Ealert(18)%3C/script%3E",
    '"onfocus="alert(19)" autofocus="',
    "{% debug %}",
    "</script><script>alert(21)</script>",
    "<style>body{display:none}</style>",
]

COUNTRY = "Xssland <script>alert('country')</script>"
TOPIC = "Scripted <img src=x onerror=alert('topic')> Policy"
HEADING = '<svg onload=alert("heading")> Policy'
JAVASCRIPT_URL = "javascript:alert('url')"
# A word in every claim and footnote that carries a payload, to find them by search.
WORD = "zebrafinch"


def _claim(index: int, payload: str) -> str:
    return f"Claim {index} {WORD} says {payload} in the text."


def profile_text(*, edition: int = 1) -> str:
    """The plain-text profile: a payload in the country, topic, heading, summary, and in a
    claim and a footnote each; the second edition adds a paragraph of payloads."""
    claims = " ".join(f"{_claim(i, p)}[{i + 2}]" for i, p in enumerate(PAYLOADS))
    footnotes = "\n\n".join(
        f"[{i + 2}] Statement of Xssland, {WORD} {p}, Geneva, 22 May 2013."
        for i, p in enumerate(PAYLOADS)
    )
    added = ""
    if edition > 1:
        added = "\n\n" + " ".join(f"Added {WORD} {p} here." for p in reversed(PAYLOADS))
    return (
        f"{COUNTRY}\n\n{TOPIC}\n\nLast updated: 07 June 2016\n\n"
        f"Summary: The summary of {WORD} <script>alert('summary')</script> ends.[1]\n\n"
        f"{HEADING}\n\n{claims}{added}\n\n"
        f"[1] A footnote of {WORD} <img src=x onerror=alert('footnote')>.\n\n{footnotes}\n"
    )


def publish_payload_profile() -> Profile:
    """Import and publish the payload profile, then import its second edition, fill in what
    the text format does not carry (status box, source fields), publish, and dispute a footnote."""
    _import(profile_text())
    profile = Profile.objects.select_related("country", "topic").get(topic__name=TOPIC)
    profile_publish(profile=profile)
    _import(profile_text(edition=2))
    profile.refresh_from_db()
    profile.status_box_heading = "<script>alert('status heading')</script>"
    profile.status_box = [
        ["<b onclick=alert('label')>Label</b>", "<script>alert('value')</script>"]
    ]
    profile.notes = "<script>alert('notes')</script>"
    profile.save()
    source = Source.objects.filter(citations__claim__section__profile=profile).first()
    for name in ("author", "organisation", "title", "event", "place", "publisher", "notes_by"):
        setattr(source, name, f"{name} <script>alert('{name}')</script>")
    source.url = JAVASCRIPT_URL
    source.archived_url = JAVASCRIPT_URL
    source.save()
    profile_publish(profile=profile)
    # Disputed after publishing, as a dispute holds publishing back.
    citation = Citation.objects.filter(claim__section__profile=profile).order_by("pk").first()
    citation.review_state = ReviewState.DISPUTED
    citation.review_note = "<script>alert('review note')</script>"
    citation.save(update_fields=["review_state", "review_note"])
    return profile


def _import(text: str) -> None:
    profiles_import(documents=[parse_profile(text, filename="xss.txt")])


def first_claim() -> Claim:
    return Claim.objects.filter(text__contains=WORD).order_by("pk").first()


# Checking a page ------------------------------------------------------------------------------

DANGEROUS_SCHEME = re.compile(r"^\s*(javascript|vbscript|data):", re.IGNORECASE)
DATA_BLOCK_TYPES = {"application/ld+json", "application/json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcdoc"}


class _ActiveContent(HTMLParser):
    """Collect what a browser would run: script bodies, event handlers, script addresses."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False
        self._data_block: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        # A JSON data block (JSON-LD) is never run; it is checked to end where it should:
        # a payload's "</script>" left raw would end it early, and what is left is no JSON.
        script_type = dict(attrs).get("type") or ""
        self._data_block = [] if tag == "script" and script_type in DATA_BLOCK_TYPES else None
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and "alert(" in value:
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and DANGEROUS_SCHEME.match(value):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
            if self._data_block is not None:
                block = "".join(self._data_block)
                try:
                    json.loads(block)
                except ValueError:
                    self.found.append(f"<script data block ended early>{block}</script>")
                self._data_block = None

    def handle_data(self, data):
        if self._data_block is not None:
            self._data_block.append(data)
        elif self._in_script and "alert(" in data:
            self.found.append(f"<script>{data}</script>")


def active_payloads(html: str) -> list[str]:
    """Return every payload that the page would run or follow instead of showing as text."""
    parser = _ActiveContent()
    parser.feed(html)
    parser.close()
    found = parser.found
    found += [payload for payload in PAYLOADS if payload in RAW_NEVER and payload in html]
    return found


# The payloads that must never appear unescaped: those with markup that a page's own markup
# never contains ("<!--" and "]]>" may well appear in a page's own comments and styles).
RAW_NEVER = [
    payload
    for payload in PAYLOADS
    if any(char in payload for char in "<>\"'&") and payload not in {"<!--", "]]>"}
]


def escaped(text: str) -> str:
    return str(escape(text))
