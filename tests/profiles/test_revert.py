"""Reverting one object, one change set, or a whole profile to a point in time."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from citations.models import Citation, CitationSource, ReviewState
from citations.services import citation_review
from history.changesets import change_set
from profiles.models import ChangeSet, Claim, Profile, Section
from profiles.revert import (
    RevertRefused,
    change_set_revert,
    object_revert,
    plan_change_set_revert,
    profile_revert_to,
)
from profiles.timeline import compare_states, profile_state_at, profile_state_now
from tests.conftest import FIXTURES
from tests.factories import make_claim, make_user
from tests.profiles.test_timeline import edit_two_claims, policy_claims, url

pytestmark = pytest.mark.django_db

MALI = FIXTURES / "mali-cluster-munition-ban-policy.txt"


@pytest.fixture
def mali() -> Profile:
    call_command("import_profile", str(MALI), "--publish", stdout=StringIO())
    return Profile.objects.select_related("country", "topic__treaty").get(country__slug="mali")


def client_for(role: str) -> Client:
    user = make_user(role.lower())
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def editor() -> Client:
    return client_for("Editors")


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
    def test_the_done_when_story(self, mali, editor):
        """Change two claims, see the change set, compare it, revert it: the profile reads
        as before; the revert is a change set that can itself be reverted."""
        original = texts(mali)
        edit_two_claims(editor, mali)
        edited = texts(mali)
        timeline = editor.get(url(mali))
        edit = timeline.context["entries"][0].change_set
        assert editor.get(url(mali, "change-sets/", edit.pk, "compare")).status_code == 200
        revert_page = url(mali, "change-sets/", edit.pk, "revert")

        confirm = editor.get(revert_page)

        assert confirm.status_code == 200
        page = confirm.content.decode()
        assert "<del>Mali signed </del><ins>Malisigned </ins>" in page
        assert 'type="submit"' in page
        assert texts(mali) == edited  # showing the confirmation changed nothing

        response = editor.post(revert_page)

        assert response.status_code == 302
        assert response.url == url(mali)
        assert texts(mali) == original
        revert = ChangeSet.objects.first()
        assert (revert.action, revert.user) == (ChangeSet.Action.REVERT, editor.user)
        assert editor.get(url(mali)).context["entries"][0].change_set == revert

        editor.post(url(mali, "change-sets/", revert.pk, "revert"))

        assert texts(mali) == edited
        assert ChangeSet.objects.first().action == ChangeSet.Action.REVERT

    def test_a_field_changed_again_since_is_kept(self, mali, editor):
        first, second = edit_two_claims(editor, mali)
        edit = ChangeSet.objects.first()
        first.text = "Rewritten since."
        first.save()

        plan = plan_change_set_revert(profile=mali, change_set=edit)
        change_set_revert(change_set=edit, profile=mali, user=editor.user)

        first.refresh_from_db()
        second.refresh_from_db()
        assert first.text == "Rewritten since."
        assert second.text.startswith("Since 2012")
        assert any("changed again since" in note for note in plan.skipped)

    def test_reverting_an_import_removes_what_it_added(self, mali, editor, tmp_path):
        before = tree_ids(mali)
        edited_file = tmp_path / MALI.name
        edited_file.write_text(
            MALI.read_text().replace(
                "\n\nPolicy\n\n", "\n\nPolicy\n\nMali added a claim here.\n\n", 1
            )
        )
        call_command("import_profile", str(edited_file), stdout=StringIO())
        imported = ChangeSet.objects.first()
        assert imported.action == ChangeSet.Action.IMPORT
        assert "Mali added a claim here." in texts(mali)

        change_set_revert(change_set=imported, profile=mali, user=editor.user)

        assert "Mali added a claim here." not in texts(mali)
        assert tree_ids(mali) == before

    def test_swapped_sections_swap_back(self, mali, editor):
        summary, policy, use = Section.objects.filter(profile=mali).order_by("position")
        with change_set(action="edit", user=editor.user):
            policy.position = 99
            policy.save()
            use.position, policy.position = 2, 3
            use.save()
            policy.save()
        swap = ChangeSet.objects.first()

        change_set_revert(change_set=swap, profile=mali, user=editor.user)

        order = list(Section.objects.filter(profile=mali).order_by("position"))
        assert order == [summary, policy, use]
        assert [section.position for section in order] == [1, 2, 3]

    def test_a_source_edited_since_is_put_back(self, mali, editor):
        link = CitationSource.objects.filter(citation__claim__section__profile=mali).first()
        source = link.source
        title = source.title
        with change_set(action="edit", user=editor.user):
            source.title = "A wrong title"
            source.save()
        edit = ChangeSet.objects.first()
        timeline = editor.get(url(mali))
        assert [record.model for record in timeline.context["entries"][0].records] == ["source"]

        change_set_revert(change_set=edit, profile=mali, user=editor.user)

        source.refresh_from_db()
        assert source.title == title

    def test_a_review_is_not_reverted(self, mali, editor):
        checker = make_user("checker")
        checker.groups.add(Group.objects.get(name="Fact-checkers"))
        citation = Citation.objects.filter(claim__section__profile=mali).first()
        citation_review(citation=citation, reviewer=checker, state=ReviewState.VERIFIED)

        result = change_set_revert(
            change_set=ChangeSet.objects.first(), profile=mali, user=editor.user
        )

        assert result.change_set is None
        citation.refresh_from_db()
        assert citation.review_state == ReviewState.VERIFIED


class ProfileRevertTests:
    def test_deleted_claims_and_sections_come_back_with_their_ids_and_citations(self, mali, editor):
        before = tree_ids(mali)
        original = profile_state_now(mali)
        when = timezone.now()
        policy = Section.objects.get(profile=mali, heading="Policy")
        Claim.objects.filter(section__profile=mali).exclude(section=policy).first().delete()
        policy.delete()
        added = make_claim(
            section=Section.objects.filter(profile=mali).first(), text="Created since."
        )

        result = profile_revert_to(profile=mali, when=when, user=editor.user)

        assert tree_ids(mali) == before
        assert not Claim.objects.filter(pk=added.pk).exists()
        assert not compare_states(original, profile_state_now(mali)).has_changes
        assert result.change_set.action == ChangeSet.Action.REVERT

    def test_the_revert_of_a_profile_revert_puts_the_deletions_back(self, mali, editor):
        when = timezone.now()
        Section.objects.get(profile=mali, heading="Policy").delete()
        after_delete = profile_state_now(mali)
        result = profile_revert_to(profile=mali, when=when, user=editor.user)

        change_set_revert(change_set=result.change_set, profile=mali, user=editor.user)

        assert not compare_states(after_delete, profile_state_now(mali)).has_changes

    def test_moved_claims_go_back_to_their_places(self, mali, editor):
        when = timezone.now()
        original = texts(mali)
        first, second, *_rest = policy_claims(mali)
        # Swap the first two claims, as the admin's inline would (through a free position).
        first.position, second.position = 999, 1
        first.save()
        second.save()
        first.position = 2
        first.save()

        profile_revert_to(profile=mali, when=when, user=editor.user)

        assert texts(mali) == original

    def test_the_confirmation_page_changes_nothing_and_the_post_reverts(self, mali, editor):
        when = timezone.now()
        claim = policy_claims(mali)[0]
        text = claim.text
        claim.delete()
        after_delete = tree_ids(mali)

        confirm = editor.get(url(mali, "revert/", when=when.isoformat()))

        page = confirm.content.decode()
        assert confirm.status_code == 200
        assert "Paragraph added" in page
        assert f"<ins>{text}</ins>" in page
        assert tree_ids(mali) == after_delete

        response = editor.post(url(mali, "revert/"), {"when": when.isoformat()})

        assert response.status_code == 302
        assert len(tree_ids(mali)["claims"]) == len(after_delete["claims"]) + 1

    def test_a_time_before_the_profile_is_refused(self, mali, editor):
        with pytest.raises(RevertRefused):
            profile_revert_to(
                profile=mali, when=timezone.now().replace(year=2000), user=editor.user
            )

    def test_publishers_may_revert(self, mali):
        publisher = client_for("Publishers")
        when = timezone.now()
        policy_claims(mali)[0].delete()

        assert publisher.post(url(mali, "revert/"), {"when": when.isoformat()}).status_code == 302
        assert profile_state_at(mali, when)["sections"] == profile_state_now(mali)["sections"]


class ObjectRevertTests:
    def test_a_deleted_claim_comes_back_at_its_place_with_its_id(self, mali, editor):
        claim = policy_claims(mali)[1]
        claim_id, text = claim.pk, claim.text
        claim.delete()
        record = Claim.history.filter(id=claim_id, history_type="-").get()
        before = record.prev_record

        object_revert(record=before, user=editor.user)

        restored = Claim.objects.get(pk=claim_id)
        assert restored.text == text
        assert [c.pk for c in policy_claims(mali)][1] == claim_id

    def test_a_claim_whose_place_was_taken_renumbers_its_section(self, mali, editor):
        claims = policy_claims(mali)
        ids = [claim.pk for claim in claims]
        old = claims[0].history.earliest()
        claims[0].delete()
        # Close the gap: every claim moves up one place.
        for position, other in enumerate(claims[1:], 1):
            other.position = position
            other.save()

        object_revert(record=old, user=editor.user)

        assert [claim.pk for claim in policy_claims(mali)] == ids

    def test_an_object_whose_parent_is_gone_is_refused(self, mali, editor):
        section = Section.objects.get(profile=mali, heading="Policy")
        claim_record = policy_claims(mali)[0].history.earliest()
        section.delete()

        with pytest.raises(RevertRefused):
            object_revert(record=claim_record, user=editor.user)
