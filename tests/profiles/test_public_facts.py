"""Treaty facts reach the public only through a publication: drafts change no public byte.

Issue 13: importing an unpublished profile, or editing a treaty status in the admin, changed
the treaty tables, the country pages and the CSV at once, and moved their Last-Modified.
"""

import datetime

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client

from history.versions import is_versioned
from profiles.models import Profile, PublicTreatyStatus, TreatyStatus
from profiles.publishing import profile_publish
from tests.conftest import MALI
from tests.factories import changeform_data, import_text, make_country
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db

CCM = "convention-on-cluster-munitions"
REPORT = "/countries/mali/cluster-munition-ban-policy/"
MALI_PROFILE = "mali/cluster-munition-ban-policy"
PUBLIC_URLS = [
    "/",
    "/countries/",
    f"/countries/?treaty={CCM}&status=state-party",
    f"/countries/?treaty={CCM}&status=no-data&q=ni",
    "/countries/mali/",
    "/countries/niger/",
    "/countries/chad/",
    "/treaties/",
    f"/treaties/{CCM}/",
    f"/treaties/{CCM}/?status=state-party",
    f"/treaties/{CCM}/?status=no-data&region=africa",
    f"/treaties/{CCM}/?sort=-joined",
    f"/treaties/{CCM}/?sort=status",
    f"/treaties/{CCM}.csv",
    f"/treaties/{CCM}.csv?sort=-joined",
    REPORT,
    f"{REPORT.rstrip('/')}.json",
    f"{REPORT.rstrip('/')}.txt",
    f"{REPORT.rstrip('/')}.pdf",
    f"{REPORT}editions/1.pdf",
    "/search/?q=ratified",
    "/sitemap.xml",
    "/robots.txt",
    "/feeds/editions.atom",
    "/countries/mali/feed.atom",
    "/countries/niger/feed.atom",
    "/topics/cluster-munition-ban-policy/feed.atom",
    "/api/v1/",
    "/api/v1/countries/",
    "/api/v1/countries/?page=2",
    f"/api/v1/countries/?treaty={CCM}&status=state-party",
    f"/api/v1/countries/?treaty={CCM}&status=no-data&q=ni",
    "/api/v1/countries/mali/",
    "/api/v1/countries/niger/",
    "/api/v1/countries/chad/",
    "/api/v1/topics/",
    "/api/v1/topics/cluster-munition-ban-policy/",
    "/api/v1/profiles/",
    f"/api/v1/profiles/{MALI_PROFILE}/",
    f"/api/v1/profiles/{MALI_PROFILE}/editions/",
    f"/api/v1/profiles/{MALI_PROFILE}/editions/1/",
    "/api/v1/treaties/",
    f"/api/v1/treaties/{CCM}/",
    f"/api/v1/treaties/{CCM}/?status=no-data&region=africa",
    f"/api/v1/treaties/{CCM}/?sort=-joined",
    "/api/v1/search/?q=ratified",
    "/api/v1/openapi.json",
    "/api/v1/docs/",
]
NIGER_DRAFT = """Niger

Cluster Munition Ban Policy

Last updated: 01 May 2017

Summary: State Party Niger ratified the convention on 2 June 2009.

Policy

The Republic of Niger signed the Convention on Cluster Munitions on 3 December 2008, \
ratified on 2 June 2009.[1]

[1] Statement of Niger, Geneva, 1 June 2009.
"""


def public_bytes() -> dict:
    """Every public URL as a new visitor gets it, rendered afresh (no kept page)."""
    cache.clear()
    pages = {}
    for url in PUBLIC_URLS:
        response = Client().get(url)
        pages[url] = (
            response.status_code,
            response.content,
            response.get("Last-Modified"),
            response.get("ETag"),
        )
    return pages


def backdate_everything():
    """Date every public act and record a year back, so that a draft that moved
    Last-Modified would show (HTTP dates count whole seconds)."""
    year_ago = datetime.datetime(2025, 12, 1, tzinfo=datetime.UTC)
    for model in apps.get_models():
        if is_versioned(model):
            model.history.all().update(history_date=year_ago)
    Profile.objects.update(public_changed_at=year_ago)  # history-safe: test set-up


@pytest.fixture
def published_site(published_mali):
    make_country("Chad")
    backdate_everything()
    return published_mali


def test_mali_is_a_published_state_party(published_site):
    public = PublicTreatyStatus.objects.get(country__slug="mali", treaty__slug=CCM)

    assert public.status == TreatyStatus.Status.STATE_PARTY
    assert public.joined_on == datetime.date(2010, 6, 30)


def test_draft_treaty_facts_change_no_public_url_until_published(published_site, publisher_client):
    before = public_bytes()

    # A re-import of Mali with another ratification date, not published.
    text = MALI.read_text().replace("30 June 2010", "1 July 2011")
    import_text(text, "mali-cluster-munition-ban-policy.txt")
    assert TreatyStatus.objects.get(
        country__slug="mali", treaty__slug=CCM
    ).joined_on == datetime.date(2011, 7, 1)
    # A draft-only profile that makes Niger a state party.
    import_text(NIGER_DRAFT, "niger-cluster-munition-ban-policy.txt")
    assert TreatyStatus.objects.get(country__slug="niger", treaty__slug=CCM).status == "state-party"
    # An editor records Chad as a signatory in the admin.
    chad = TreatyStatus.objects.create(country=make_country("Chad"), treaty_id=mali_treaty())
    form = publisher_client.get(admin_url(chad))
    response = publisher_client.post(
        admin_url(chad), changeform_data(form, {"status": "signatory"})
    )
    assert response.status_code == 302

    after = public_bytes()

    changed = [url for url in PUBLIC_URLS if before[url] != after[url]]
    assert changed == []


def test_publishing_the_profile_publishes_its_treaty_facts(published_site):
    text = MALI.read_text().replace("30 June 2010", "1 July 2011")
    import_text(text, "mali-cluster-munition-ban-policy.txt")
    before = public_bytes()

    profile_publish(profile=published_site)

    after = public_bytes()
    csv_url = f"/treaties/{CCM}.csv"
    assert b"2011-07-01" in after[csv_url][1]
    assert b"2011-07-01" not in before[csv_url][1]
    assert after["/countries/mali/"][2] != before["/countries/mali/"][2]  # Last-Modified
    assert b'<time datetime="2011-07-01">' in after["/countries/mali/"][1]


def test_the_admin_action_publishes_a_status_on_its_own(published_site, publisher_client):
    chad = TreatyStatus.objects.create(
        country=make_country("Chad"), treaty_id=mali_treaty(), status="signatory"
    )
    url = admin_url(TreatyStatus, "changelist")
    assert "Not published" in publisher_client.get(url).content.decode()

    response = publisher_client.post(
        url, {"action": "publish_statuses", "_selected_action": [chad.pk]}, follow=True
    )

    assert "Published 1 treaty status." in response.content.decode()
    assert PublicTreatyStatus.objects.get(country__slug="chad").status == "signatory"
    assert ",Signatory," in Client().get(f"/treaties/{CCM}.csv?region=africa").content.decode()
    record = PublicTreatyStatus.history.get(country__slug="chad")
    assert record.history_user.username == "publisher"


def test_only_publishers_may_publish_a_status(published_site, editor_client):
    chad = TreatyStatus.objects.create(country=make_country("Chad"), treaty_id=mali_treaty())
    url = admin_url(TreatyStatus, "changelist")

    editor_client.post(url, {"action": "publish_statuses", "_selected_action": [chad.pk]})

    assert not PublicTreatyStatus.objects.filter(country__slug="chad").exists()


def test_no_published_status_is_no_data_and_counts_as_no_party(published_site):
    PublicTreatyStatus.objects.all().delete()  # no treaty status released at all
    cache.clear()

    table = Client().get(f"/treaties/{CCM}.csv").content.decode()
    treaties = Client().get("/treaties/").content.decode()

    assert "Not party" not in table
    assert table.count(",No data,") == table.count("\n") - 1  # every row but the header
    assert "<dt>States parties</dt><dd>0</dd>" in treaties


def mali_treaty() -> int:
    return Profile.objects.select_related("topic").get(country__slug="mali").topic.treaty_id


def test_the_publish_page_says_which_treaty_status_the_edition_releases(
    published_site, publisher_client
):
    text = MALI.read_text().replace("30 June 2010", "1 July 2011")
    import_text(text, "mali-cluster-munition-ban-policy.txt")
    url = f"/admin/profiles/profile/{published_site.pk}/publish/"

    page = " ".join(publisher_client.get(url).content.decode().split())

    assert "CCM status" in page
    assert "State party · signed 3 December 2008 · ratification 1 July 2011" in page
    assert "Released with this edition." in page
    assert "now shows: State party · signed 3 December 2008 · ratification 30 June 2010" in page

    profile_publish(profile=published_site)

    assert "(the public site shows the same)" in publisher_client.get(url).content.decode()
