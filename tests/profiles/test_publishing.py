"""Publishing: immutable numbered editions, withdrawal, and the ways to publish."""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from citations.models import Citation, ReviewState
from citations.services import citation_review
from profiles.importing import profile_export
from profiles.models import Claim, Profile, Publication
from profiles.publishing import (
    WorkingCopyChanged,
    profile_publish,
    profile_publish_plan,
    profile_withdraw,
)
from profiles.snapshots import document_from_snapshot, snapshot_checksum
from profiles.textformat import render_profile
from tests.conftest import MALI
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def edit_claim(profile: Profile, start: str, text: str) -> None:
    claim = Claim.objects.get(section__profile=profile, text__startswith=start)
    claim.text = text
    claim.save()


class PublishTests:
    def test_first_publication_is_edition_one_with_the_whole_tree(self, mali):
        publisher = make_user("publisher")

        result = profile_publish(profile=mali, user=publisher)

        publication = result.publication
        assert result.created
        assert (publication.number, publication.published_by) == (1, publisher)
        assert publication.last_updated == mali.last_updated
        snapshot = publication.snapshot
        assert snapshot["country"]["name"] == "Mali"
        assert [s["anchor"] for s in snapshot["sections"]] == [
            "summary",
            "policy",
            "use-production-transfer-and-stockpiling",
        ]
        assert [f["number"] for f in snapshot["footnotes"]] == list(range(1, 9))
        assert snapshot["treaty_status"]["status"] == "state-party"
        assert snapshot["treaty_status"]["signed_on"] == "2008-12-03"
        mali.refresh_from_db()
        assert mali.is_public

    def test_an_unchanged_profile_creates_no_new_edition(self, mali):
        profile_publish(profile=mali)

        result = profile_publish(profile=mali)

        assert not result.created
        assert Publication.objects.filter(profile=mali).count() == 1

    def test_a_changed_profile_becomes_the_next_edition(self, mali):
        profile_publish(profile=mali)
        edit_claim(mali, "Mali has stated several times", "Mali has said it never used them.")

        result = profile_publish(profile=mali)

        assert result.created and result.publication.number == 2
        mali.refresh_from_db()
        assert mali.latest_publication == result.publication

    def test_an_edition_keeps_what_was_published_after_later_edits(self, mali):
        first = profile_publish(profile=mali).publication
        edit_claim(mali, "Mali has stated several times", "Changed later.")

        first.refresh_from_db()

        texts = [c["text"] for s in first.snapshot["sections"] for c in s["claims"]]
        assert "Changed later." not in texts

    def test_a_publication_cannot_be_changed(self, mali):
        publication = profile_publish(profile=mali).publication

        publication.snapshot = {}
        with pytest.raises(ValueError, match="immutable"):
            publication.save()

    def test_publishing_is_recorded_in_the_profile_history_with_the_user(self, mali):
        publisher = make_user("publisher")

        profile_publish(profile=mali, user=publisher)

        record = mali.history.first()
        assert record.history_user == publisher
        assert record.history_change_reason == "Published edition 1"

    def test_saving_a_copy_loaded_before_publishing_keeps_the_public_state(self, mali):
        stale = Profile.objects.get(pk=mali.pk)
        publication = profile_publish(profile=mali).publication

        stale.notes = "Checked the summary."
        stale.save()

        stale.refresh_from_db()
        assert (stale.notes, stale.latest_publication) == ("Checked the summary.", publication)

    def test_edition_text_equals_the_export_of_the_working_copy_it_froze(self, mali):
        publication = profile_publish(profile=mali).publication

        assert render_profile(document_from_snapshot(publication.snapshot)) == profile_export(
            profile=mali
        )


class EditionNoteTests:
    def test_the_note_is_stored_on_the_edition_and_not_in_its_snapshot(self, mali):
        publication = profile_publish(profile=mali, note="First published.").publication

        assert publication.note == "First published."
        assert "First published." not in json.dumps(publication.snapshot)
        assert publication.checksum == snapshot_checksum(publication.snapshot)

    def test_the_checksum_is_that_of_the_working_copy_without_the_note(self, mali):
        noted = profile_publish(profile=mali, note="A note.").publication

        assert noted.checksum == profile_publish_plan(profile=mali).checksum

    def test_a_note_alone_makes_no_new_edition(self, mali):
        profile_publish(profile=mali, note="First.")

        result = profile_publish(profile=mali, note="Second thoughts.")

        assert not result.created
        assert list(Publication.objects.values_list("note", flat=True)) == ["First."]

    def test_an_over_long_note_is_refused_and_nothing_is_published(self, mali):
        with pytest.raises(ValueError, match="at most 2,000 characters"):
            profile_publish(profile=mali, note="x" * 2001)

        assert not Publication.objects.exists()

    def test_a_changed_working_copy_is_refused_against_the_reviewed_checksum(self, mali):
        reviewed = profile_publish_plan(profile=mali).checksum
        edit_claim(mali, "Mali has stated several times", "Changed meanwhile.")

        with pytest.raises(WorkingCopyChanged):
            profile_publish(profile=mali, checksum=reviewed)

        assert not Publication.objects.exists()


class PublishPlanTests:
    def test_the_plan_numbers_disputed_footnotes_as_readers_would_see_them(self, mali, checker):
        citations = Citation.objects.filter(claim__section__profile=mali).order_by(
            "claim__section__position", "claim__position", "position"
        )
        third = citations[2]
        citation_review(citation=third, reviewer=checker, state=ReviewState.DISPUTED, note="No.")

        plan = profile_publish_plan(profile=mali)

        assert plan.blocked
        assert [(f.number, f.citation.pk) for f in plan.disputed] == [(3, third.pk)]

    def test_the_plan_of_an_unchanged_profile(self, published_mali):
        plan = profile_publish_plan(profile=published_mali)

        assert plan.unchanged and not plan.blocked
        assert plan.next_number == 2
        assert not plan.comparison().has_changes


class WithdrawTests:
    def test_withdrawing_hides_the_profile_and_keeps_its_editions(self, mali):
        profile_publish(profile=mali)

        assert profile_withdraw(profile=mali)

        mali.refresh_from_db()
        assert not mali.is_public
        assert mali not in Profile.objects.public()
        assert not Publication.objects.public().filter(profile=mali).exists()
        assert Publication.objects.filter(profile=mali).count() == 1

    def test_a_draft_is_not_public_and_cannot_be_withdrawn(self, mali):
        assert mali not in Profile.objects.public()
        assert not profile_withdraw(profile=mali)

    def test_republishing_an_unchanged_withdrawn_profile_restores_its_edition(self, mali):
        profile_publish(profile=mali)
        profile_withdraw(profile=mali)

        result = profile_publish(profile=mali)

        assert (result.created, result.restored, result.publication.number) == (False, True, 1)
        assert mali in Profile.objects.public()


class CommandTests:
    def run(self, *args) -> str:
        out = StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    def test_publish_profile_publishes_then_reports_unchanged(self, mali):
        first = self.run("publish_profile", "mali", "cluster-munition-ban-policy")
        second = self.run("publish_profile", "mali", "cluster-munition-ban-policy")

        assert "edition 1" in first
        assert "unchanged since edition 1" in second

    def test_publish_profile_withdraw(self, mali):
        profile_publish(profile=mali)

        output = self.run("publish_profile", "mali", "cluster-munition-ban-policy", "--withdraw")

        assert "Withdrew" in output
        assert mali not in Profile.objects.public()

    def test_import_profile_publish(self):
        output = self.run("import_profile", str(MALI), "--publish")
        again = self.run("import_profile", str(MALI), "--publish")

        assert "published edition 1" in output
        assert "edition 1 is already the published one" in again
        assert Publication.objects.count() == 1


class AdminPublishTests:
    def url(self, profile, action):
        return f"/admin/profiles/profile/{profile.pk}/{action}/"

    def test_confirmation_page_shows_what_will_be_published(self, client, mali):
        client.force_login(make_user("boss", superuser=True))

        response = client.get(self.url(mali, "publish"))

        assert response.status_code == 200
        assert b"edition 1" in response.content
        assert response.context["claim_count"] == 14
        assert not Publication.objects.exists()

    def test_posting_publishes_with_the_user(self, client, mali):
        boss = make_user("boss", superuser=True)
        client.force_login(boss)

        response = client.post(self.url(mali, "publish"))

        assert response.status_code == 302
        assert Publication.objects.get(profile=mali).published_by == boss

    def test_withdraw_through_the_admin(self, client, mali):
        profile_publish(profile=mali)
        client.force_login(make_user("boss", superuser=True))

        client.post(self.url(mali, "withdraw"))

        assert mali not in Profile.objects.public()

    def test_staff_without_the_publish_permission_cannot_publish(self, client, mali):
        editor = make_user("editor")
        editor.user_permissions.add(Permission.objects.get(codename="change_profile"))
        client.force_login(editor)

        assert client.get(self.url(mali, "publish")).status_code == 403
        assert client.post(self.url(mali, "publish")).status_code == 403
        assert not Publication.objects.exists()

    def test_publications_cannot_be_edited_or_deleted_in_the_admin(self, client, mali):
        publication = profile_publish(profile=mali).publication
        client.force_login(make_user("boss", superuser=True))

        response = client.post(
            f"/admin/profiles/publication/{publication.pk}/delete/", {"post": "yes"}
        )

        assert response.status_code == 403
        assert Publication.objects.filter(pk=publication.pk).exists()
