"""Every id on a report page is unique, whatever its sections are headed: a section headed
"Footnotes" (or "Content", "FN 1", …) is never anchored at an id the page gives one of its
own elements, so the contents and the permalinks jump where they say."""

import io
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from profiles.models import Publication, SearchEntry
from profiles.publishing import profile_publish
from profiles.snapshots import is_page_id
from tests.factories import make_citation, make_claim, make_country, make_profile, make_section

pytestmark = pytest.mark.django_db

# Headings whose slugs are ids the public report page or the admin's as-it-stood page use.
CLASHING = ["Footnotes", "Content", "Status box", "FN 1", "Fnref 1", "Report title", "Main"]
ADMIN_CLASHING = ["Header", "Footer", "Content main", "Profiles section"]


class Page(HTMLParser):
    """The elements of a page that have an id, and the links within the page."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: list[tuple[str, str]] = []  # (id, tag)
        self.links: list[tuple[str, str]] = []  # (target id, link text)
        self._link = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append((attrs["id"], tag))
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self._link = [attrs["href"][1:], ""]

    def handle_data(self, data):
        if self._link is not None:
            self._link[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.links.append(tuple(self._link))
            self._link = None

    def duplicates(self) -> list[str]:
        names = [name for name, _tag in self.ids]
        return sorted({name for name in names if names.count(name) > 1})

    def tag_of(self, name: str) -> str:
        [tag] = [tag for id_, tag in self.ids if id_ == name]
        return tag


def profile_headed(*headings: str):
    """A profile with the status box of the older layout and a section for each heading, each
    with a claim citing a footnote."""
    profile = make_profile(
        country=make_country("Anchorland"),
        status_box_heading="Status",
        status_box=[["Convention status", "State Party"]],
    )
    for heading in ("Policy", *headings):
        claim = make_claim(section=make_section(profile=profile, heading=heading))
        make_citation(claim=claim, text=f"Statement of Anchorland on {heading}.")
    return profile


def report_url(profile) -> str:
    return reverse("profiles:profile_detail", args=[profile.country.slug, profile.topic.slug])


def section_anchors(profile, number: int = 1) -> list[str]:
    snapshot = Publication.objects.get(profile=profile, number=number).snapshot
    return [section["anchor"] for section in snapshot["sections"]]


def assert_well_anchored(page: Page, headings) -> None:
    """Assert the page's ids are unique, every link within it has a target, the contents
    link to the notes points at the notes list, and each heading's at its section."""
    assert page.duplicates() == []
    ids = {name for name, _tag in page.ids}
    assert [target for target, _text in page.links if target not in ids] == []
    assert ("footnotes", "Notes") in page.links
    assert page.tag_of("footnotes") == "h2"
    for heading in headings:
        [target] = {target for target, text in page.links if text.strip() == heading}
        assert page.tag_of(target) == "h2", heading


@pytest.mark.parametrize("heading", CLASHING)
def test_a_section_headed_like_an_id_of_the_page_gets_an_anchor_of_its_own(client, heading):
    profile = profile_headed(heading)
    profile_publish(profile=profile)

    page = Page(client.get(report_url(profile)).content.decode())

    assert_well_anchored(page, [heading])
    assert not is_page_id(section_anchors(profile)[1])


def test_the_notes_list_keeps_its_address_beside_a_section_headed_footnotes(client):
    profile = profile_headed("Footnotes", "Footnotes")
    profile_publish(profile=profile)

    page = Page(client.get(report_url(profile)).content.decode())

    assert section_anchors(profile) == ["policy", "footnotes-2", "footnotes-3"]
    assert_well_anchored(page, [])
    assert '<h2 id="footnotes">Notes' in client.get(report_url(profile)).content.decode()


def test_an_edition_published_before_anchors_avoided_the_pages_ids_is_anchored_afresh(client):
    """Editions are immutable: one stored with a section anchored at "footnotes" (or another
    id of the page) shows that section at a free anchor, and every other section at its
    stored one, so that their addresses keep working."""
    profile = profile_headed("Footnotes", "Footnotes 2", "Content", "FN 1", "Sources")
    publication = profile_publish(profile=profile).publication
    stored = ["policy", "footnotes", "footnotes-2", "content", "fn-1", "sources"]
    snapshot = publication.snapshot
    for section, anchor in zip(snapshot["sections"], stored, strict=True):
        section["anchor"] = anchor
    # Write the snapshot as it was stored before the fix (publications keep no history).
    Publication.objects.filter(pk=publication.pk).update(snapshot=snapshot)

    html = client.get(report_url(profile)).content.decode()
    page = Page(html)

    assert_well_anchored(page, ["Footnotes", "Footnotes 2", "Content", "FN 1", "Sources"])
    assert '<h2 id="footnotes-3">Footnotes<a class="permalink" href="#footnotes-3"' in html
    assert '<h2 id="footnotes-2">Footnotes 2<' in html
    assert '<h2 id="sources">Sources<' in html
    assert page.tag_of("content") == "main"
    assert page.tag_of("fn-1") == "li"


def test_the_pages_own_ids_are_all_reserved(client, superuser_client):
    """Every id the report pages give their own elements is one no section is anchored at:
    this fails when a template gains an id that profiles.snapshots does not reserve."""
    profile = profile_headed("Policy and practice")
    profile_publish(profile=profile)
    at_url = reverse("admin:profiles_profile_timeline_at", args=[profile.pk])

    for response in [
        client.get(report_url(profile)),
        superuser_client.get(at_url, {"when": timezone.now().isoformat()}),
    ]:
        assert response.status_code == 200
        anchors = set(section_anchors(profile))
        page_ids = {name for name, _tag in Page(response.content.decode()).ids} - anchors
        assert [name for name in sorted(page_ids) if not is_page_id(name)] == []


@pytest.mark.parametrize("heading", [*CLASHING, *ADMIN_CLASHING])
def test_the_admins_as_it_stood_page_has_unique_ids(superuser_client, heading):
    profile = profile_headed(heading)
    at_url = reverse("admin:profiles_profile_timeline_at", args=[profile.pk])

    response = superuser_client.get(at_url, {"when": timezone.now().isoformat()})

    assert response.status_code == 200
    page = Page(response.content.decode())
    assert page.duplicates() == []
    assert page.tag_of("footnotes") == "h2"


def test_search_results_link_an_old_editions_sections_where_the_page_anchors_them():
    profile = profile_headed("Footnotes")
    publication = profile_publish(profile=profile).publication
    snapshot = publication.snapshot
    snapshot["sections"][1]["anchor"] = "footnotes"  # as stored before the fix
    Publication.objects.filter(pk=publication.pk).update(snapshot=snapshot)

    call_command("rebuild_search_index", stdout=io.StringIO())

    anchors = set(SearchEntry.objects.filter(kind="claim").values_list("anchor", flat=True))
    assert "footnotes" not in anchors
    assert "footnotes-2" in anchors
