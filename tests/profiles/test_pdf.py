"""PDF editions and the report book, read back with Poppler's real pdftotext, pdftoppm,
pdfinfo and pdftohtml (its XML lists the outline, the fonts and the links)."""

import datetime
import re
import subprocess
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from profiles import pdf
from profiles.management.commands.build_report import write_atomically
from profiles.models import Publication
from profiles.publishing import profile_withdraw
from profiles.views import documents
from tests.conftest import ROOT, WESTMARCH
from tests.factories import import_profile_file, import_text
from tests.profiles.test_reports import republish_with, synthetic_profile

pytestmark = pytest.mark.django_db

SLUGS = {"country": "mali", "topic": "cluster-munition-ban-policy"}
TOPIC = "cluster-munition-ban-policy"
ARTIFACTS = ROOT / "test-artifacts"


def pdf_url(number: int | None = None, slugs=SLUGS) -> str:
    if number is None:
        return reverse("profiles:profile_pdf", kwargs=slugs)
    return reverse("profiles:edition_pdf", kwargs={**slugs, "number": number})


def saved(content: bytes, tmp_path: Path, name: str = "document.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def pdf_text(path: Path, *pages: int) -> str:
    """The text of a PDF (or of pages first to last), as one line: the line breaks and the
    hyphens the layout added are taken out again."""
    first_last = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    text = run("pdftotext", *first_last, str(path), "-")
    text = text.replace("\u2010\n", "")  # a word WeasyPrint hyphenated at a line's end
    return re.sub(r"\s+", " ", text)


def page_count(path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)$", run("pdfinfo", str(path)), re.MULTILINE)[1])


def pdf_xml(path: Path) -> ET.Element:
    return ET.fromstring(run("pdftohtml", "-xml", "-stdout", "-i", "-q", str(path)))


def outline(path: Path) -> list:
    """The PDF's bookmarks as [(label, page, [children…]), …]."""

    def items(element) -> list:
        found = []
        for child in element:
            if child.tag == "item":
                found.append((child.text, int(child.get("page")), []))
            elif child.tag == "outline" and found:
                found[-1][2].extend(items(child))
        return found

    top = pdf_xml(path).find("outline")
    return items(top) if top is not None else []


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def text_of(publication: Publication) -> list[str]:
    return [claim["text"] for s in publication.snapshot["sections"] for claim in s["claims"]]


@pytest.fixture
def renders(monkeypatch) -> list:
    """Record each layout WeasyPrint makes (the real one runs)."""
    made = []
    real = pdf.render_document

    def recorded(html):
        made.append(html)
        return real(html)

    monkeypatch.setattr(pdf, "render_document", recorded)
    return made


# The edition as a PDF ------------------------------------------------------------------------


def test_the_latest_edition_is_an_inline_pdf_named_by_its_edition(client, published_mali):
    response = client.get(pdf_url())

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'inline; filename="mali-cluster-munition-ban-policy-edition-1.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    assert not response.cookies


def test_a_numbered_edition_is_named_by_its_number(client, mali_in_two_editions):
    response = client.get(pdf_url(1))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        'filename="mali-cluster-munition-ban-policy-edition-1.pdf"'
        in (response["Content-Disposition"])
    )
    assert (
        'filename="mali-cluster-munition-ban-policy-edition-2.pdf"'
        in (client.get(pdf_url())["Content-Disposition"])
    )


def test_the_pdf_has_the_report_its_notes_and_its_public_address(
    client, published_mali, settings, tmp_path
):
    settings.SITE_URL = "https://monitor.example.org"
    publication = published_mali.latest_publication

    path = saved(client.get(pdf_url()).content, tmp_path)

    text = pdf_text(path)
    published_on = date_filter(publication.published_at)
    assert "Mali — Cluster Munition Ban Policy" in text
    assert "Convention on Cluster Munitions: State party · signed 3 December 2008" in text
    assert "Last updated 7 June 2016" in text
    assert f"Edition 1, published {published_on}" in text
    assert "Mali actively participated in the Oslo Process that created the convention" in text
    for claim in text_of(publication):
        assert one_line(claim) in text
    notes = text[text.index(" Notes ") :]
    for footnote in publication.snapshot["footnotes"]:
        assert f"{footnote['number']}. {one_line(footnote['text'])}" in notes
    assert "Report an error" not in text  # the web page's links, of no use on paper
    address = "https://monitor.example.org/countries/mali/cluster-munition-ban-policy/editions/1/"
    assert text.count(address) == page_count(path) + 1  # the header, and every page's foot
    assert f"Page 1 of {page_count(path)}" in text


def test_note_markers_are_small_raised_links_to_the_notes(client, published_mali, tmp_path):
    path = saved(client.get(pdf_url()).content, tmp_path)

    document = pdf_xml(path)
    sizes = {spec.get("id"): int(spec.get("size")) for spec in document.iter("fontspec")}
    body_size = max(
        sizes[t.get("font")] for t in document.iter("text") if "Oslo" in "".join(t.itertext())
    )
    markers = [
        (text, link)
        for text in document.iter("text")
        for link in text.iter("a")
        if link.text == "1" and "#" in link.get("href")
    ]
    assert markers, "note 1's marker is no link"
    marker, link = markers[0]
    assert sizes[marker.get("font")] < body_size * 0.8
    notes_page = next(
        int(page.get("number"))
        for page in document.iter("page")
        if any("".join(t.itertext()) == "Notes" for t in page.iter("text"))
    )
    assert link.get("href").endswith(f"#{notes_page}")


def test_an_older_edition_shows_its_own_text(client, published_mali, tmp_path):
    republish_with(published_mali, "Mali actively", "Mali very actively")

    first = pdf_text(saved(client.get(pdf_url(1)).content, tmp_path, "1.pdf"))
    latest = pdf_text(saved(client.get(pdf_url()).content, tmp_path, "2.pdf"))

    assert "Mali actively participated" in first
    assert "very actively" not in first
    assert "Edition 1, published" in first
    assert "Mali very actively participated" in latest
    assert "Edition 2, published" in latest


def test_a_page_turns_into_an_image(client, published_mali, tmp_path):
    path = saved(client.get(pdf_url()).content, tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "pdf-edition"

    run("pdftoppm", "-r", "80", "-f", "1", "-l", "1", "-png", "-singlefile", str(path), str(prefix))

    image_path = prefix.with_suffix(".png")
    assert image_path.stat().st_size > 30_000
    with Image.open(image_path) as image:
        assert image.format == "PNG"
        assert image.size == (662, 936)  # A4 at 80 dots an inch
        grey = image.convert("L")
        inked = sum(grey.histogram()[:200]) / (image.width * image.height)
    assert 0.02 < inked < 0.3  # text on white, neither blank nor a block of colour


# Caching and conditional GET -----------------------------------------------------------------


def test_a_repeat_visit_is_not_modified(client, published_mali, django_assert_num_queries):
    etag = client.get(pdf_url())["ETag"]

    with django_assert_num_queries(1):
        response = client.get(pdf_url(), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""


def test_an_edition_is_laid_out_once_whatever_its_address(client, published_mali, renders):
    publication = published_mali.latest_publication

    by_number = client.get(pdf_url(1)).content
    latest = client.get(pdf_url()).content

    assert len(renders) == 1
    assert latest == by_number
    key = pdf.edition_cache_key(publication, "http://testserver" + publication.get_absolute_url())
    assert key.startswith(f"monitor:pdf:v{pdf.LAYOUT_VERSION}-")
    assert f":{publication.checksum}:" in key
    assert cache.get(key) == latest


def test_a_new_edition_lays_out_the_new_pdf_only(client, published_mali, renders, tmp_path):
    client.get(pdf_url())

    republish_with(published_mali, "Mali actively", "Mali very actively")
    latest = client.get(pdf_url()).content
    client.get(pdf_url(1))

    assert len(renders) == 2
    assert "Mali very actively" in pdf_text(saved(latest, tmp_path))


def test_a_client_asking_for_many_new_pdfs_is_slowed_down_but_kept_ones_still_come(
    client, published_mali, renders, monkeypatch
):
    monkeypatch.setattr(documents, "RENDERS_PER_CLIENT_HOUR", 1)
    republish_with(published_mali, "Mali actively", "Mali very actively")

    first = client.get(pdf_url(1))
    refused = client.get(pdf_url(2))
    kept = client.get(pdf_url(1))
    elsewhere = client.get(pdf_url(2), REMOTE_ADDR="192.0.2.7")

    assert first.status_code == kept.status_code == elsewhere.status_code == 200
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "no-store" in refused["Cache-Control"]
    assert "try again in an hour" in refused.content.decode()
    assert len(renders) == 2


def test_each_site_address_has_its_own_pdf(client, published_mali, settings, renders, tmp_path):
    client.get(pdf_url())
    settings.SITE_URL = "https://monitor.example.org"

    moved = client.get(pdf_url(1)).content

    assert len(renders) == 2
    assert "https://monitor.example.org/countries/mali/" in pdf_text(saved(moved, tmp_path))


# The first visit: the lookup, the edition, its snapshot. Another address of a PDF already laid
# out (the latest edition's and its number's): no snapshot.
QUERIES_RENDERED = 3
QUERIES_KEPT = 2


@pytest.mark.parametrize("number", [None, 1])
def test_query_count(client, published_mali, django_assert_num_queries, number):
    with django_assert_num_queries(QUERIES_RENDERED):
        assert client.get(pdf_url(number)).status_code == 200
    with django_assert_num_queries(QUERIES_KEPT):
        assert client.get(pdf_url(None if number else 1)).status_code == 200


def test_query_count_does_not_grow_with_the_profile(client, tmp_path, django_assert_num_queries):
    path = tmp_path / "bigland-cluster-munition-ban-policy.txt"
    path.write_text(synthetic_profile(200))
    import_profile_file(path, publish=True)
    slugs = {"country": "bigland", "topic": TOPIC}

    with django_assert_num_queries(QUERIES_RENDERED):
        assert client.get(pdf_url(slugs=slugs)).status_code == 200
    with django_assert_num_queries(QUERIES_KEPT):
        assert client.get(pdf_url(1, slugs=slugs)).status_code == 200


# Only what is published ----------------------------------------------------------------------


@pytest.mark.parametrize("number", [None, 1])
def test_a_draft_has_no_pdf(client, mali, number):
    assert client.get(pdf_url(number)).status_code == 404


@pytest.mark.parametrize("number", [None, 1])
def test_a_withdrawn_profile_has_no_pdf_even_once_laid_out(client, published_mali, number):
    assert client.get(pdf_url(number)).status_code == 200

    profile_withdraw(profile=published_mali)

    assert client.get(pdf_url(number)).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        pdf_url(2),
        pdf_url(2_147_483_648),
        pdf_url(slugs={"country": "niger", "topic": TOPIC}),
        pdf_url(slugs={"country": "mali", "topic": "mine-ban-policy"}),
    ],
)
def test_unknown_editions_have_no_pdf(client, published_mali, url):
    assert client.get(url).status_code == 404


def test_post_is_not_allowed(client, published_mali):
    assert client.post(pdf_url()).status_code == 405


# WeasyPrint fetches nothing ------------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requested.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.requested = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_document_fetches_nothing_from_the_network_or_the_disk(web_server, caplog):
    address = f"http://127.0.0.1:{web_server.server_port}"
    html = (
        f'<link rel="stylesheet" href="{address}/style.css">'
        f'<style>@import url("{address}/imported.css");'
        ' p { background: url("file:///etc/hostname") }</style>'
        f'<p>Text</p><img src="{address}/image.png"><img src="file:///etc/passwd">'
    )

    document = pdf.render_document(html)

    assert len(document.pages) == 1
    assert web_server.requested == []
    assert "PDF documents fetch nothing" in caplog.text


@pytest.mark.parametrize("url", ["https://example.org/a.css", "file:///etc/passwd", "data:,x"])
def test_the_fetcher_refuses_every_address(url):
    with pytest.raises(ValueError, match="fetch nothing"):
        pdf.no_fetching().fetch(url)


# The report book -----------------------------------------------------------------------------


def build_report(*args: str) -> str:
    out = StringIO()
    call_command("build_report", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_topic():
    """The demo data (Mali, published), Westmarch published, and a draft of the same topic."""
    call_command("load_demo", "--force", stdout=StringIO(), stderr=StringIO())
    import_profile_file(WESTMARCH, publish=True)
    draft = WESTMARCH.read_text().replace("Westmarch", "Southmarch")
    import_text(draft, "southmarch-cluster-munition-ban-policy.txt")


def test_the_book_has_a_cover_contents_and_every_public_profile(demo_topic, tmp_path):
    output = tmp_path / "book.pdf"

    printed = build_report(TOPIC, "-o", str(output))

    pages = page_count(output)
    assert re.fullmatch(
        rf"Wrote {output}: 2 profiles of “Cluster Munition Ban Policy”, {pages} pages, "
        r"[\d,]+ KB, in [\d.]+ s\.\n",
        printed,
    )
    text = pdf_text(output)
    cover = pdf_text(output, 1)
    assert "Cluster Munition Ban Policy Country profiles" in cover
    assert "Profiles 2" in cover
    assert f"Compiled {date_filter(timezone.localdate())}" in cover
    assert "Mali — Cluster Munition Ban Policy" in text
    assert "Westmarch — Cluster Munition Ban Policy" in text
    assert "Southmarch" not in text
    # Each profile's notes are its own, numbered from 1; pages are numbered through the book.
    westmarch_page = outline(output)[-1][1]
    westmarch = pdf_text(output, westmarch_page, pages)
    assert "1. Email from Tomas Greave" in westmarch
    assert "1,2 It submitted its initial Article 7 report" in westmarch  # markers side by side
    assert f"Page {pages} of {pages}" in westmarch


def test_the_contents_and_the_bookmarks_name_each_profile_and_its_page(demo_topic, tmp_path):
    output = tmp_path / "book.pdf"
    build_report(TOPIC, "-o", str(output))

    bookmarks = outline(output)

    labels = [label for label, _page, _children in bookmarks]
    assert labels == ["Contents", "Mali", "Westmarch"]
    (_, contents_page, _), (_, mali_page, mali_sections), (_, westmarch_page, _) = bookmarks
    assert [label for label, _page, _children in mali_sections] == [
        "Summary",
        "Policy",
        "Use, production, transfer, and stockpiling",
        "Notes",
    ]
    assert contents_page == 2
    contents = pdf_text(output, contents_page)
    assert re.search(rf"Mali edition 1, last updated 7 June 2016 [. ]+ {mali_page}\b", contents)
    assert re.search(rf"Westmarch edition 1, [^.]+ [. ]+ {westmarch_page}\b", contents)
    assert "Mali — Cluster Munition Ban Policy" in pdf_text(output, mali_page)
    assert "Westmarch — Cluster Munition Ban Policy" in pdf_text(output, westmarch_page)


def test_each_profiles_note_markers_link_to_its_own_notes(demo_topic, tmp_path):
    output = tmp_path / "book.pdf"
    build_report(TOPIC, "-o", str(output))
    westmarch_page = outline(output)[-1][1]

    targets = [
        int(link.get("href").rpartition("#")[2])
        for page in pdf_xml(output).iter("page")
        if int(page.get("number")) >= westmarch_page
        for link in page.iter("a")
        if "1" in (link.text or "").split()  # markers side by side are read as one: "1 2"
    ]

    assert targets
    assert all(target >= westmarch_page for target in targets)


def test_a_page_of_the_book_turns_into_an_image(demo_topic, tmp_path):
    output = tmp_path / "book.pdf"
    build_report(TOPIC, "-o", str(output))
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "report-book"

    run(
        "pdftoppm",
        "-r",
        "60",
        "-f",
        "3",
        "-l",
        "3",
        "-png",
        "-singlefile",
        str(output),
        str(prefix),
    )

    with Image.open(prefix.with_suffix(".png")) as image:
        assert image.size == (497, 702)  # A4 at 60 dots an inch
        inked = sum(image.convert("L").histogram()[:200]) / (image.width * image.height)
    assert 0.02 < inked < 0.3


def test_a_year_prints_each_profile_as_it_stood_then(demo_topic, tmp_path):
    mali = Publication.objects.get(profile__country__slug="mali")
    Publication.objects.filter(pk=mali.pk).update(
        published_at=datetime.datetime(2016, 6, 8, 12, tzinfo=datetime.UTC)
    )
    republish_with(mali.profile, "Mali actively", "Mali very actively")
    output = tmp_path / "book.pdf"

    printed = build_report(TOPIC, "--year", "2016", "-o", str(output))

    assert "1 profile of" in printed
    text = pdf_text(output)
    assert "Country profiles 2016" in text
    assert "published in or before 2016" in text
    assert "Mali actively participated" in text
    assert "very actively" not in text
    assert "Westmarch" not in text  # first published after 2016


def test_without_a_year_the_latest_editions_are_printed(demo_topic, tmp_path):
    mali = Publication.objects.get(profile__country__slug="mali")
    republish_with(mali.profile, "Mali actively", "Mali very actively")
    output = tmp_path / "book.pdf"

    build_report(TOPIC, "-o", str(output))

    assert "Mali very actively participated" in pdf_text(output)


def test_a_withdrawn_profile_is_left_out(demo_topic, tmp_path):
    profile_withdraw(profile=Publication.objects.get(profile__country__slug="westmarch").profile)
    output = tmp_path / "book.pdf"

    assert "1 profile of" in build_report(TOPIC, "-o", str(output))
    assert "Westmarch" not in pdf_text(output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["no-such-topic"],
            "There is no topic “no-such-topic”. The topics: cluster-munition-ban-policy, "
            "mine-ban-policy.",
        ),
        (["mine-ban-policy"], "There is no public profile of “Mine Ban Policy”."),
        (
            [TOPIC, "--year", "1999"],
            "There is no public profile of “Cluster Munition Ban Policy” with an edition "
            "published in or before 1999.",
        ),
        ([TOPIC, "--year", "0"], "--year 0 is not a year to compile (1 to 9998)."),
    ],
)
def test_bad_input_is_refused_and_leaves_the_file_as_it_was(demo_topic, tmp_path, args, message):
    output = tmp_path / "book.pdf"
    output.write_bytes(b"the book of last year")

    with pytest.raises(CommandError) as refusal:
        build_report(*args, "-o", str(output))

    assert str(refusal.value) == message
    assert output.read_bytes() == b"the book of last year"
    assert [path.name for path in tmp_path.iterdir()] == ["book.pdf"]


def test_a_missing_directory_is_refused(demo_topic, tmp_path):
    output = tmp_path / "missing" / "book.pdf"

    with pytest.raises(CommandError, match=f"The directory {tmp_path / 'missing'} does not exist."):
        build_report(TOPIC, "-o", str(output))


def test_a_directory_is_no_output_file(demo_topic, tmp_path):
    with pytest.raises(CommandError, match=f"{tmp_path} is a directory: give the PDF file"):
        build_report(TOPIC, "-o", str(tmp_path))


def test_a_failed_write_leaves_the_old_file_and_no_other(tmp_path):
    output = tmp_path / "book.pdf"
    output.write_bytes(b"the book of last year")

    with pytest.raises(TypeError):
        write_atomically(output, "text, not bytes")

    assert output.read_bytes() == b"the book of last year"
    assert [path.name for path in tmp_path.iterdir()] == ["book.pdf"]
