"""Reverting one object, one change set, or a whole profile to a point in time."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from citations.models import Citation, CitationSource, ReviewState
from citations.services import citation_review
from history.changesets import change_set
from profiles.models import ChangeSet, Claim, Section
from profiles.revert import (
    RevertRefused,
    change_set_revert,
    object_revert,
    plan_change_set_revert,
    profile_revert_to,
)
from profiles.roles import FACT_CHECKERS, PUBLISHERS
from profiles.states import compare_states, profile_state_at, profile_state_now
from tests.conftest import MALI
from tests.factories import make_claim, make_member
from tests.profiles.test_timeline import edit_two_claims, policy_claims, url

pytestmark = pytest.mark.django_db


def texts(profile) -> list[str]:
    return [
        claim.text
        for claim in Claim.objects.filter(section__profile=profile).order_by(
            "section__position", "position"
        )
    ]


def tree_ids(profile) -> dict:
    return {
        "sections": set(Section.objects.filter(profile=profile).values_list("pk", flat=True)),
        "claims": set(Claim.objects.filter(section__profile=profile).values_list("pk", flat=True)),
        "citations": set(
            Citation.objects.filter(claim__section__profile=profile).values_list("pk", flat=True)
        ),
        "links": set(
            CitationSource.objects.filter(citation__claim__section__profile=profile).values_list(
                "citation", "source", "position", "pinpoint"
            )
        ),
    }


class ChangeSetRevertTests:
    def test_the_done_when_story(self, published_mali, editor_client):
        """Change two claims, see the change set, compare it, revert it: the profile reads
        as before; the revert is a change set that can itself be reverted."""
        original = texts(published_mali)
        edit_two_claims(editor_client, published_mali)
        edited = texts(published_mali)
        timeline = editor_client.get(url(published_mali))
        edit = timeline.context["entries"][0].change_set
        assert (
            editor_client.get(url(published_mali, "change-sets/", edit.pk, "compare")).status_code
            == 200
        )
        revert_page = url(published_mali, "change-sets/", edit.pk, "revert")

        confirm = editor_client.get(revert_page)

        assert confirm.status_code == 200
        page = confirm.content.decode()
        assert "<del>Mali signed </del><ins>Malisigned </ins>" in page
        assert 'type="submit"' in page
        assert texts(published_mali) == edited  # showing the confirmation changed nothing

        response = editor_client.post(revert_page)

        assert response.status_code == 302
        assert response.url == url(published_mali)
        assert texts(published_mali) == original
        revert = ChangeSet.objects.first()
        assert (revert.action, revert.user) == (ChangeSet.Action.REVERT, editor_client.user)
        assert editor_client.get(url(published_mali)).context["entries"][0].change_set == revert

        editor_client.post(url(published_mali, "change-sets/", revert.pk, "revert"))

        assert texts(published_mali) == edited
        assert ChangeSet.objects.first().action == ChangeSet.Action.REVERT

    def test_a_field_changed_again_since_is_kept(self, published_mali, editor_client):
        first, second = edit_two_claims(editor_client, published_mali)
        edit = ChangeSet.objects.first()
        first.text = "Rewritten since."
        first.save()

        plan = plan_change_set_revert(profile=published_mali, change_set=edit)
        change_set_revert(change_set=edit, profile=published_mali, user=editor_client.user)

        first.refresh_from_db()
        second.refresh_from_db()
        assert first.text == "Rewritten since."
        assert second.text.startswith("Since 2012")
        assert any("changed again since" in note for note in plan.skipped)

    def test_reverting_an_import_removes_what_it_added(
        self, published_mali, editor_client, tmp_path
    ):
        before = tree_ids(published_mali)
        edited_file = tmp_path / MALI.name
        edited_file.write_text(
            MALI.read_text().replace(
                "\n\nPolicy\n\n", "\n\nPolicy\n\nMali added a claim here.\n\n", 1
            )
        )
        call_command("import_profile", str(edited_file), stdout=StringIO())
        imported = ChangeSet.objects.first()
        assert imported.action == ChangeSet.Action.IMPORT
        assert "Mali added a claim here." in texts(published_mali)

        change_set_revert(change_set=imported, profile=published_mali, user=editor_client.user)

        assert "Mali added a claim here." not in texts(published_mali)
        assert tree_ids(published_mali) == before

    def test_swapped_sections_swap_back(self, published_mali, editor_client):
        summary, policy, use = Section.objects.filter(profile=published_mali).order_by("position")
        with change_set(action="edit", user=editor_client.user):
            policy.position = 99
            policy.save()
            use.position, policy.position = 2, 3
            use.save()
            policy.save()
        swap = ChangeSet.objects.first()

        change_set_revert(change_set=swap, profile=published_mali, user=editor_client.user)

        order = list(Section.objects.filter(profile=published_mali).order_by("position"))
        assert order == [summary, policy, use]
        assert [section.position for section in order] == [1, 2, 3]

    def test_a_source_edited_since_is_put_back(self, published_mali, editor_client):
        link = CitationSource.objects.filter(
            citation__claim__section__profile=published_mali
        ).first()
        source = link.source
        title = source.title
        with change_set(action="edit", user=editor_client.user):
            source.title = "A wrong title"
            source.save()
        edit = ChangeSet.objects.first()
        timeline = editor_client.get(url(published_mali))
        assert [record.model for record in timeline.context["entries"][0].records] == ["source"]

        change_set_revert(change_set=edit, profile=published_mali, user=editor_client.user)

        source.refresh_from_db()
        assert source.title == title

    def test_a_review_is_not_reverted(self, published_mali, editor_client):
        checker = make_member("checker", FACT_CHECKERS)
        citation = Citation.objects.filter(claim__section__profile=published_mali).first()
        citation_review(citation=citation, reviewer=checker, state=ReviewState.VERIFIED)

        result = change_set_revert(
            change_set=ChangeSet.objects.first(), profile=published_mali, user=editor_client.user
        )

        assert result.change_set is None
        citation.refresh_from_db()
        assert citation.review_state == ReviewState.VERIFIED


class ProfileRevertTests:
    def test_deleted_claims_and_sections_come_back_with_their_ids_and_citations(
        self, published_mali, editor_client
    ):
        before = tree_ids(published_mali)
        original = profile_state_now(published_mali)
        when = timezone.now()
        policy = Section.objects.get(profile=published_mali, heading="Policy")
        Claim.objects.filter(section__profile=published_mali).exclude(
            section=policy
        ).first().delete()
        policy.delete()
        added = make_claim(
            section=Section.objects.filter(profile=published_mali).first(), text="Created since."
        )

        result = profile_revert_to(profile=published_mali, when=when, user=editor_client.user)

        assert tree_ids(published_mali) == before
        assert not Claim.objects.filter(pk=added.pk).exists()
        assert not compare_states(original, profile_state_now(published_mali)).has_changes
        assert result.change_set.action == ChangeSet.Action.REVERT

    def test_the_revert_of_a_profile_revert_puts_the_deletions_back(
        self, published_mali, editor_client
    ):
        when = timezone.now()
        Section.objects.get(profile=published_mali, heading="Policy").delete()
        after_delete = profile_state_now(published_mali)
        result = profile_revert_to(profile=published_mali, when=when, user=editor_client.user)

        change_set_revert(
            change_set=result.change_set, profile=published_mali, user=editor_client.user
        )

        assert not compare_states(after_delete, profile_state_now(published_mali)).has_changes

    def test_moved_claims_go_back_to_their_places(self, published_mali, editor_client):
        when = timezone.now()
        original = texts(published_mali)
        first, second, *_rest = policy_claims(published_mali)
        # Swap the first two claims, as the admin's inline would (through a free position).
        first.position, second.position = 999, 1
        first.save()
        second.save()
        first.position = 2
        first.save()

        profile_revert_to(profile=published_mali, when=when, user=editor_client.user)

        assert texts(published_mali) == original

    def test_the_confirmation_page_changes_nothing_and_the_post_reverts(
        self, published_mali, editor_client
    ):
        when = timezone.now()
        claim = policy_claims(published_mali)[0]
        text = claim.text
        claim.delete()
        after_delete = tree_ids(published_mali)

        confirm = editor_client.get(url(published_mali, "revert/", when=when.isoformat()))

        page = confirm.content.decode()
        assert confirm.status_code == 200
        assert "Paragraph added" in page
        assert f"<ins>{text}</ins>" in page
        assert tree_ids(published_mali) == after_delete

        response = editor_client.post(url(published_mali, "revert/"), {"when": when.isoformat()})

        assert response.status_code == 302
        assert len(tree_ids(published_mali)["claims"]) == len(after_delete["claims"]) + 1

    def test_a_time_before_the_profile_is_refused(self, published_mali, editor_client):
        with pytest.raises(RevertRefused):
            profile_revert_to(
                profile=published_mali,
                when=timezone.now().replace(year=2000),
                user=editor_client.user,
            )

    def test_publishers_may_revert(self, published_mali, client_for):
        publisher = client_for(PUBLISHERS)
        when = timezone.now()
        policy_claims(published_mali)[0].delete()

        assert (
            publisher.post(url(published_mali, "revert/"), {"when": when.isoformat()}).status_code
            == 302
        )
        assert (
            profile_state_at(published_mali, when)["sections"]
            == profile_state_now(published_mali)["sections"]
        )


class ObjectRevertTests:
    def test_a_deleted_claim_comes_back_at_its_place_with_its_id(
        self, published_mali, editor_client
    ):
        claim = policy_claims(published_mali)[1]
        claim_id, text = claim.pk, claim.text
        claim.delete()
        record = Claim.history.filter(id=claim_id, history_type="-").get()
        before = record.prev_record

        object_revert(record=before, user=editor_client.user)

        restored = Claim.objects.get(pk=claim_id)
        assert restored.text == text
        assert [c.pk for c in policy_claims(published_mali)][1] == claim_id

    def test_a_claim_whose_place_was_taken_renumbers_its_section(
        self, published_mali, editor_client
    ):
        claims = policy_claims(published_mali)
        ids = [claim.pk for claim in claims]
        old = claims[0].history.earliest()
        claims[0].delete()
        # Close the gap: every claim moves up one place.
        for position, other in enumerate(claims[1:], 1):
            other.position = position
            other.save()

        object_revert(record=old, user=editor_client.user)

        assert [claim.pk for claim in policy_claims(published_mali)] == ids

    def test_an_object_whose_parent_is_gone_is_refused(self, published_mali, editor_client):
        section = Section.objects.get(profile=published_mali, heading="Policy")
        claim_record = policy_claims(published_mali)[0].history.earliest()
        section.delete()

        with pytest.raises(RevertRefused):
            object_revert(record=claim_record, user=editor_client.user)
