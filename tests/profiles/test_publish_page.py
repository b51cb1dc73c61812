"""The publish page: it says first whether publishing is possible, shows what will change for
readers, and takes a public edition note, which the editions list and the edition page show."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from citations.models import Citation, ReviewState
from citations.services import citation_review
from profiles.models import Claim, Profile, Publication
from profiles.publishing import profile_publish, profile_withdraw
from profiles.roles import FACT_CHECKERS
from tests.factories import make_member

pytestmark = pytest.mark.django_db

MALI_PAGE = "/countries/mali/cluster-munition-ban-policy/"
EDITIONS = f"{MALI_PAGE}editions/"


def publish_url(profile: Profile) -> str:
    return reverse("admin:profiles_profile_publish", args=[profile.pk])


def compact(response) -> str:
    return " ".join(response.content.decode().split())


def status_block(response) -> str:
    """The page's first block, the one that says whether publishing is possible."""
    page = compact(response)
    start = page.index('class="publish-status')
    return page[start : page.index("</section>", start)]


def amend(profile: Profile, old: str, new: str) -> None:
    claim = Claim.objects.get(section__profile=profile, text__contains=old)
    claim.text = claim.text.replace(old, new)
    claim.save()


def dispute(profile: Profile, index: int, note: str = "The statement says otherwise.") -> Citation:
    citation = list(
        Citation.objects.filter(claim__section__profile=profile).order_by(
            "claim__section__position", "claim__position", "position"
        )
    )[index]
    checker = make_member("checker", FACT_CHECKERS)
    return citation_review(
        citation=citation, reviewer=checker, state=ReviewState.DISPUTED, note=note
    )


class StatusTests:
    def test_a_blocked_profile_names_its_disputes_and_promises_no_edition(
        self, publisher_client, published_mali
    ):
        amend(published_mali, "Mali actively", "Mali very actively")
        first = dispute(published_mali, 1)
        second = dispute(published_mali, 4, note="Wrong date.")

        response = publisher_client.get(publish_url(published_mali))

        status = status_block(response)
        assert "Publishing is blocked: 2 citations are disputed" in status
        assert f"#citation-{first.pk}" in status and f"#citation-{second.pk}" in status
        assert "Footnote [2]" in status and "Footnote [5]" in status
        assert "Wrong date." in status
        page = compact(response)
        assert "edition 2" not in page.lower()
        assert 'type="submit"' not in page.split('id="content-main"')[1]

    def test_a_profile_in_a_release_is_held_for_its_launch_and_says_how_to_publish_now(
        self, publisher_client, published_mali
    ):
        from profiles.releases import release_add_profiles
        from tests.profiles.test_releases import new_release

        amend(published_mali, "Mali actively", "Mali very actively")
        publisher = publisher_client.user
        release = new_release(publisher)
        release_add_profiles(release, [published_mali], user=publisher)

        response = publisher_client.get(publish_url(published_mali))

        status = status_block(response)
        assert f"Held for the release “{release}”" in status
        assert f"embargoed until {release.launch_label}" in status
        assert "Until then the public reads edition 1." in status
        release_page = reverse("admin:profiles_release_change", args=[release.pk])
        assert f'href="{release_page}"' in status
        assert 'type="submit"' not in compact(response).split('id="content-main"')[1]

    def test_a_blocked_page_shows_the_status_before_anything_else(
        self, publisher_client, published_mali
    ):
        dispute(published_mali, 0)

        page = compact(publisher_client.get(publish_url(published_mali)))

        main = page.split('id="content-main"')[1]
        assert main.index("Publishing is blocked") < main.index("Sources and reviews")

    def test_a_changed_profile_is_ready_as_the_next_edition(self, publisher_client, published_mali):
        amend(published_mali, "Mali actively", "Mali very actively")

        response = publisher_client.get(publish_url(published_mali))

        assert "Ready to publish as edition 2" in status_block(response)
        assert 'value="Publish edition 2"' in compact(response)

    def test_an_unchanged_profile_says_there_is_nothing_to_publish(
        self, publisher_client, published_mali
    ):
        response = publisher_client.get(publish_url(published_mali))

        status = status_block(response)
        assert "Nothing to publish" in status
        assert "edition 2" not in compact(response).lower()
        assert 'type="submit"' not in compact(response).split('id="content-main"')[1]

    def test_an_unchanged_withdrawn_profile_can_go_public_again(
        self, publisher_client, published_mali
    ):
        profile_withdraw(profile=published_mali)

        response = publisher_client.get(publish_url(published_mali))

        assert "Ready to make edition 1 public again" in status_block(response)
        assert 'value="Publish edition 1 again"' in compact(response)
        assert 'name="note"' not in compact(response)

    def test_a_first_edition_says_all_of_it_is_new(self, publisher_client, mali):
        response = publisher_client.get(publish_url(mali))

        page = compact(response)
        assert "Ready to publish as edition 1" in status_block(response)
        assert "This is the first edition: all of it is new." in page
        assert "/countries/mali/cluster-munition-ban-policy/draft/" in page


class DiffTests:
    def test_the_page_shows_a_changed_word_as_inserted_and_deleted(
        self, publisher_client, published_mali
    ):
        amend(published_mali, "Mali actively participated", "Mali eagerly participated")

        page = compact(publisher_client.get(publish_url(published_mali)))

        assert "Changes since edition 1" in page
        assert "<del>actively </del>" in page
        assert "<ins>eagerly </ins>" in page

    def test_the_diff_comes_before_the_publish_button(self, publisher_client, published_mali):
        amend(published_mali, "Mali actively participated", "Mali eagerly participated")

        page = compact(publisher_client.get(publish_url(published_mali)))

        assert page.index("<ins>eagerly </ins>") < page.index('value="Publish edition 2"')

    def test_a_blocked_page_still_shows_what_has_changed(self, publisher_client, published_mali):
        amend(published_mali, "Mali actively participated", "Mali eagerly participated")
        dispute(published_mali, 0)

        page = compact(publisher_client.get(publish_url(published_mali)))

        assert "<ins>eagerly </ins>" in page


class NoteTests:
    def test_a_posted_note_is_stored_on_the_edition(self, publisher_client, published_mali):
        amend(published_mali, "Mali actively", "Mali very actively")

        response = publisher_client.post(
            publish_url(published_mali), {"note": "  Corrected the 2013 statement.  "}
        )

        assert response.status_code == 302
        edition = Publication.objects.get(profile=published_mali, number=2)
        assert edition.note == "Corrected the 2013 statement."
        shown = [str(message) for message in get_messages(response.wsgi_request)]
        assert any("as edition 2 with its edition note" in message for message in shown)

    def test_the_note_shows_on_the_editions_list_and_the_edition_pages(
        self, client, publisher_client, published_mali
    ):
        amend(published_mali, "Mali actively", "Mali very actively")
        publisher_client.post(publish_url(published_mali), {"note": "Corrected <b>2013</b>."})

        editions = compact(client.get(EDITIONS))
        latest = compact(client.get(MALI_PAGE))
        edition = compact(client.get(f"{EDITIONS}2/"))

        assert "What changed" in editions
        assert "Corrected &lt;b&gt;2013&lt;/b&gt;." in editions
        for page in (latest, edition):
            assert (
                "What changed in this edition:</strong> Corrected &lt;b&gt;2013&lt;/b&gt;." in page
            )
        assert "What changed in this edition:" not in compact(client.get(f"{EDITIONS}1/"))

    def test_an_over_long_note_is_refused_and_nothing_is_published(
        self, publisher_client, published_mali
    ):
        amend(published_mali, "Mali actively", "Mali very actively")

        response = publisher_client.post(publish_url(published_mali), {"note": "x" * 2001})

        assert response.status_code == 200
        page = compact(response)
        assert "Not published: correct the edition note below." in page
        assert "The edition note is too long: it has 2001 characters" in page
        assert "at most 2000" in page
        assert Publication.objects.filter(profile=published_mali).count() == 1

    def test_a_note_of_the_greatest_length_is_accepted(self, publisher_client, published_mali):
        amend(published_mali, "Mali actively", "Mali very actively")

        publisher_client.post(publish_url(published_mali), {"note": "x" * 2000})

        assert len(Publication.objects.get(profile=published_mali, number=2).note) == 2000

    def test_the_page_refuses_to_publish_changes_made_after_it_was_opened(
        self, publisher_client, published_mali
    ):
        amend(published_mali, "Mali actively", "Mali very actively")
        opened = publisher_client.get(publish_url(published_mali))
        checksum = opened.context["plan"].checksum
        amend(published_mali, "very actively", "most actively")

        response = publisher_client.post(
            publish_url(published_mali), {"note": "Kept.", "checksum": checksum}
        )

        assert response.status_code == 200
        assert Publication.objects.filter(profile=published_mali).count() == 1
        page = compact(response)
        assert "changed after you reviewed it" in page
        assert "<ins>most </ins>" in page
        assert "Kept.</textarea>" in page
        assert response.context["plan"].checksum != checksum

    def test_publishing_the_reviewed_working_copy_succeeds(self, publisher_client, published_mali):
        amend(published_mali, "Mali actively", "Mali very actively")
        checksum = publisher_client.get(publish_url(published_mali)).context["plan"].checksum

        publisher_client.post(publish_url(published_mali), {"checksum": checksum})

        assert Publication.objects.filter(profile=published_mali).count() == 2


class EditionListTests:
    def test_each_edition_shows_its_date_and_time(self, client, published_mali):
        amend(published_mali, "Mali actively", "Mali very actively")
        profile_publish(profile=published_mali)

        page = compact(client.get(EDITIONS))

        for edition in Publication.objects.filter(profile=published_mali):
            when = timezone.localtime(edition.published_at)
            assert f"{when.day} {when:%B %Y, %H:%M}</time>" in page

    def test_the_query_count_is_pinned_and_does_not_grow_with_noted_editions(
        self, client, published_mali, django_assert_num_queries
    ):
        for number in range(2, 12):
            published_mali.refresh_from_db()
            published_mali.last_updated = published_mali.last_updated.replace(year=2004 + number)
            published_mali.save(update_fields=["last_updated"])
            profile_publish(profile=published_mali, note=f"Note of edition {number}. " * 40)

        with django_assert_num_queries(2):
            page = compact(client.get(EDITIONS))

        assert "Note of edition 11." in page and "Note of edition 2." in page
