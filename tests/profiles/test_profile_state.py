"""Where a profile stands with the public, at a glance: "Draft", "Published edition N",
"Published edition N + unpublished changes" or "Withdrawn", on the profile list and in the
profile page's heading."""

import pytest

from citations.models import ReviewState
from citations.services import citation_review
from history.changesets import change_set
from profiles.models import Profile, ProfileState
from profiles.publishing import profile_publish, profile_withdraw
from tests.factories import make_citation, make_claim, make_country, make_profile, make_section
from tests.helpers import admin_url, count_queries

pytestmark = pytest.mark.django_db


def make_tree(name="Aland"):
    profile = make_profile(country=make_country(name))
    make_citation(claim=make_claim(section=make_section(profile=profile)))
    return profile


def edit_claim(profile, text="An edited claim."):
    claim = profile.sections.first().claims.first()
    claim.text = text
    claim.save()


def state_of(profile):
    """The state as the list reads it (annotated) and as a profile loaded alone reads it."""
    annotated = Profile.objects.with_state().get(pk=profile.pk)
    alone = Profile.objects.get(pk=profile.pk)
    assert (alone.state, alone.state_label) == (annotated.state, annotated.state_label)
    return annotated.state, annotated.state_label


class StateTests:
    def test_a_profile_never_published_is_a_draft(self):
        assert state_of(make_tree()) == (ProfileState.DRAFT, "Draft")

    def test_a_published_profile_names_its_edition(self):
        profile = make_tree()
        profile_publish(profile=profile)

        assert state_of(profile) == (ProfileState.PUBLISHED, "Published edition 1")

    def test_a_change_after_publishing_is_an_unpublished_change(self):
        profile = make_tree()
        profile_publish(profile=profile)

        edit_claim(profile)

        assert state_of(profile) == (
            ProfileState.CHANGED,
            "Published edition 1 + unpublished changes",
        )

    def test_publishing_the_change_makes_a_new_edition_with_nothing_pending(self):
        profile = make_tree()
        profile_publish(profile=profile)
        edit_claim(profile)

        profile_publish(profile=profile)

        assert state_of(profile) == (ProfileState.PUBLISHED, "Published edition 2")

    def test_a_review_is_no_change_to_the_public_text(self, checker):
        profile = make_tree()
        profile_publish(profile=profile)

        citation = profile.sections.first().claims.first().citations.first()
        citation_review(citation=citation, reviewer=checker, state=ReviewState.VERIFIED)

        assert state_of(profile)[0] == ProfileState.PUBLISHED

    def test_a_withdrawn_profile_says_so_even_with_changes(self):
        profile = make_tree()
        profile_publish(profile=profile)
        profile_withdraw(profile=profile)

        edit_claim(profile)

        assert state_of(profile) == (ProfileState.WITHDRAWN, "Withdrawn")

    def test_a_change_to_another_profile_changes_nothing_here(self):
        profile = make_tree("Aland")
        other = make_tree("Borduria")
        profile_publish(profile=profile)
        profile_publish(profile=other)

        edit_claim(other)

        assert state_of(profile)[0] == ProfileState.PUBLISHED


class ProfileListTests:
    def test_the_list_shows_each_state_as_a_badge_with_text(self, admin_client):
        make_tree("Aland")
        published = make_tree("Borduria")
        profile_publish(profile=published)
        changed = make_tree("Carpania")
        profile_publish(profile=changed)
        edit_claim(changed)

        page = admin_client.get(admin_url(Profile, "changelist")).content.decode()

        assert '<span class="state-badge state-badge--draft">Draft</span>' in page
        assert '<span class="state-badge state-badge--published">Published edition 1</span>' in page
        assert (
            '<span class="state-badge state-badge--changed">'
            "Published edition 1 + unpublished changes</span>" in page
        )
        assert "monitor/admin.css" in page

    def test_the_list_filters_by_state(self, admin_client):
        make_tree("Aland")
        changed = make_tree("Borduria")
        profile_publish(profile=changed)
        edit_claim(changed)

        response = admin_client.get(admin_url(Profile, "changelist"), {"state": "changed"})

        assert list(response.context["cl"].result_list) == [changed]

    def test_the_list_reads_the_states_in_one_query_whatever_the_rows(self, admin_client):
        url = admin_url(Profile, "changelist")
        for name in ("Aland", "Borduria"):
            profile_publish(profile=make_tree(name))
        few = count_queries(admin_client, url)

        for name in ("Carpania", "Dalmia", "Elbonia"):
            profile = make_tree(name)
            profile_publish(profile=profile)
            with change_set(action="edit"):
                edit_claim(profile)
        make_tree("Freedonia")

        assert count_queries(admin_client, url) == few


class ProfilePageTests:
    def test_the_heading_shows_the_state(self, admin_client):
        profile = make_tree()
        profile_publish(profile=profile)
        edit_claim(profile)

        page = admin_client.get(admin_url(profile)).content.decode()

        assert (
            '<span class="state-badge state-badge--changed">'
            "Published edition 1 + unpublished changes</span></h2>" in page
        )

    def test_a_withdrawn_profile_s_heading_says_so(self, admin_client):
        profile = make_tree()
        profile_publish(profile=profile)
        profile_withdraw(profile=profile)

        page = admin_client.get(admin_url(profile)).content.decode()

        assert '<span class="state-badge state-badge--withdrawn">Withdrawn</span>' in page
