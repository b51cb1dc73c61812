"""Editions as PDF documents, and the report book of a topic, laid out by WeasyPrint.

Both are HTML rendered from the edition's snapshot with the report page's own partials
(profiles/_report.html and _footnotes.html, arranged by snapshots.report_layout()), in the
templates under templates/profiles/pdf/, with a print stylesheet of their own. WeasyPrint
fetches nothing: its URL fetcher refuses every address, so a document can never reach the
network or the file system, and the stylesheet is handed to it as a string. The fonts are
what fontconfig has: Liberation Serif for the text and Liberation Sans for headings, with
DejaVu for any character they lack (Debian's fonts-liberation and fonts-dejavu-core).

An edition never changes, so its PDF is rendered once and kept in the default cache under the
edition's checksum (see edition_pdf()).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe

from profiles.caching import CONTENT_KEYED_TIMEOUT
from profiles.snapshots import report_layout

# Kept PDFs are keyed by it and by a digest of the templates that lay them out (layout()), so
# a change to a template shows at once; raise it when a change elsewhere should (a filter, the
# snapshot's layout, WeasyPrint).
LAYOUT_VERSION = 1

EDITION_TEMPLATE = "profiles/pdf/edition.html"
EDITION_BODY_TEMPLATE = "profiles/pdf/_edition.html"  # the edition without its <html>
BOOK_TEMPLATE = "profiles/pdf/book.html"
STYLESHEET_TEMPLATE = "profiles/pdf/print.css"


def no_fetching():
    """WeasyPrint's URL fetcher for every document: it refuses every address WeasyPrint asks
    for (images, stylesheets, fonts by URL), so a document is laid out from its own HTML and
    the stylesheet given, and nothing else."""
    return _no_fetching_class()()


@functools.cache
def _no_fetching_class():
    # Made on first use: importing WeasyPrint loads Pango, about 0.45 s and 40 MB, which a
    # web worker pays only once it lays out a PDF (a kept PDF needs none).
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"PDF documents fetch nothing, so not {url}")

    return NoFetching


def edition_filename(publication) -> str:
    profile = publication.profile
    return f"{profile.country.slug}-{profile.topic.slug}-edition-{publication.number}.pdf"


def edition_cache_key(publication, url: str) -> str:
    """Return the cache key of an edition's PDF.

    The checksum names the snapshot; the edition's number, date and address are printed too
    and are not in the snapshot (an unchanged profile published again has the same checksum;
    the address follows DJANGO_SITE_URL), so they are part of the key.
    """
    printed = repr((publication.number, publication.published_at.isoformat(), url))
    digest = hashlib.sha256(printed.encode()).hexdigest()[:32]
    return f"monitor:pdf:{layout()}:{publication.checksum}:{digest}"


class RenderRefused(Exception):
    """The PDF is not kept, and may_render() said not to lay it out now."""


def edition_pdf(publication, url: str, *, may_render=lambda: True) -> bytes:
    """Return the PDF of an edition, from the cache or rendered and kept there.

    `publication` may be fetched without its snapshot (deferred): the snapshot is read only
    when the PDF has to be rendered. `url` is the edition's public address, printed on it.
    `may_render()` is asked before laying a PDF out (a second of work for a large profile);
    False raises RenderRefused.
    """
    key = edition_cache_key(publication, url)
    pdf = cache.get(key)
    if pdf is None:
        if not may_render():
            raise RenderRefused
        html = render_to_string(EDITION_TEMPLATE, _edition_context(publication, url))
        pdf = render_document(_marked_side_by_side(html)).write_pdf()
        cache.set(key, pdf, CONTENT_KEYED_TIMEOUT)
    return pdf


@dataclass(frozen=True)
class Book:
    pdf: bytes
    pages: int
    profiles: int


def book_pdf(
    editions: list[tuple[object, str]],
    *,
    topic,
    year: int | None,
    compiled_on: datetime.date,
) -> Book:
    """Lay out the report book of a topic: a cover, the contents with page numbers, then each
    edition (a publication with its snapshot, and its public address) from a new page.

    Each profile's ids and links are given a prefix of their own ("p3-fn-1"), so that note 1
    of one profile links to its own note, and the contents to the right profile ("p3").
    """
    profiles = []
    for index, (publication, url) in enumerate(editions, start=1):
        prefix = f"p{index}"
        body = render_to_string(
            EDITION_BODY_TEMPLATE,
            {**_edition_context(publication, url), "in_book": True},
        )
        profiles.append(
            {
                "anchor": prefix,
                "body": _prefixed_ids(_marked_side_by_side(body), prefix),
                "snapshot": publication.snapshot,
                "publication": publication,
            }
        )
    html = render_to_string(
        BOOK_TEMPLATE,
        {
            "topic": topic,
            "year": year,
            "compiled_on": compiled_on,
            "profiles": profiles,
        },
    )
    document = render_document(html)
    return Book(pdf=document.write_pdf(), pages=len(document.pages), profiles=len(profiles))


@functools.cache
def layout() -> str:
    """Return the layout version and a digest of the templates of an edition's PDF."""
    templates = [EDITION_TEMPLATE, EDITION_BODY_TEMPLATE, STYLESHEET_TEMPLATE]
    templates += ["profiles/_report.html", "profiles/_footnotes.html"]
    digest = hashlib.sha256()
    for name in templates:
        digest.update(Path(get_template(name).origin.name).read_bytes())
    return f"v{LAYOUT_VERSION}-{digest.hexdigest()[:12]}"


def render_document(html: str):
    """Lay out an HTML document with the print stylesheet: the one place WeasyPrint is
    called, with no base URL and a fetcher that refuses everything."""
    from weasyprint import CSS, HTML  # on first use, as in _no_fetching_class()

    fetcher = no_fetching()
    stylesheet = CSS(string=render_to_string(STYLESHEET_TEMPLATE), url_fetcher=fetcher)
    return HTML(string=html, base_url=None, url_fetcher=fetcher).render(stylesheets=[stylesheet])


def _edition_context(publication, url: str) -> dict:
    snapshot = publication.snapshot
    return {
        "publication": publication,
        "snapshot": snapshot,
        "url": url,
        **report_layout(snapshot),
    }


# An id or an in-document link in the markup of our own templates: text from a snapshot is
# escaped, so `id="` and `href="#` appear in it only as `id=&quot;`.
ID_OR_LINK = re.compile(r'\b(id="|href="#)')


# Markers side by side: the notes of one claim (profiles/_report.html writes them one after
# the other). Text from a snapshot is escaped, so this is never in it.
MARKERS_SIDE_BY_SIDE = '</sup><sup class="fn"'


def _marked_side_by_side(html: str) -> str:
    """Class the second of two markers side by side, so that print.css puts a comma between
    them: "79,80", not "7980" (the web page tells them apart as links)."""
    return html.replace(MARKERS_SIDE_BY_SIDE, '</sup><sup class="fn fn-next"')


def _prefixed_ids(html: str, prefix: str) -> str:
    """Give every id and in-document link of a rendered edition the prefix "<prefix>-": the
    bare prefix stays free for the profile's own anchor."""
    return mark_safe(ID_OR_LINK.sub(rf"\g<1>{prefix}-", html))  # noqa: S308 (our template's output)
