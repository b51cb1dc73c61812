"""Review rules on citations: states, four eyes, reset on text change, the publish gate."""

import pytest

from citations.models import Citation, ReviewState
from citations.services import ReviewRefused, citation_review, citations_review
from profiles.publishing import PublishBlocked, profile_publish
from tests.factories import make_citation, make_claim, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def citation():
    return make_citation(claim=make_claim(text="Testland destroyed its stockpile."))


def test_a_new_citation_is_unreviewed(citation):
    assert citation.review_state == ReviewState.UNREVIEWED


def test_review_records_state_reviewer_time_note_and_history(citation, checker):
    citation_review(citation=citation, reviewer=checker, state="verified", note="Matches notes.")

    citation.refresh_from_db()
    assert (citation.review_state, citation.reviewed_by, citation.review_note) == (
        "verified",
        checker,
        "Matches notes.",
    )
    assert citation.reviewed_at is not None
    record = citation.history.first()
    assert (record.history_user, record.history_change_reason) == (checker, "Reviewed: verified")


def test_only_fact_checkers_review(citation):
    editor = make_member("editor", "Editors")

    with pytest.raises(ReviewRefused):
        citation_review(citation=citation, reviewer=editor, state="verified")


class FourEyesTests:
    def test_who_wrote_the_claim_text_cannot_verify_its_citation(self, citation, checker):
        claim = citation.claim
        claim.text = "Testland destroyed most of its stockpile."
        claim._history_user = checker
        claim.save()

        with pytest.raises(ReviewRefused, match="another fact-checker"):
            citation_review(citation=citation, reviewer=checker, state="verified")

        citation.refresh_from_db()
        assert citation.review_state == ReviewState.UNREVIEWED

    def test_who_wrote_the_footnote_cannot_verify_it(self, citation, checker):
        citation.text = "Email from the Ministry, 3 May 2013."
        citation._history_user = checker
        citation.save()

        with pytest.raises(ReviewRefused):
            citation_review(citation=citation, reviewer=checker, state="verified")

    def test_the_writer_may_still_dispute(self, citation, checker):
        citation.text = "Email from the Ministry, 3 May 2013."
        citation._history_user = checker
        citation.save()

        citation_review(citation=citation, reviewer=checker, state="disputed", note="Wrong date")

        assert Citation.objects.get(pk=citation.pk).review_state == ReviewState.DISPUTED

    def test_another_fact_checker_can_verify(self, citation, checker):
        citation.claim.text = "Changed by the first checker."
        citation.claim._history_user = checker
        citation.claim.save()

        citation_review(
            citation=citation, reviewer=make_member("second", "Fact-checkers"), state="verified"
        )

        assert Citation.objects.get(pk=citation.pk).review_state == ReviewState.VERIFIED


class ResetTests:
    def test_changing_the_claim_text_sends_its_citations_back_to_review(self, citation, checker):
        citation_review(citation=citation, reviewer=checker, state="verified")
        claim = citation.claim

        claim.text = "Testland destroyed half of its stockpile."
        claim.save()

        citation.refresh_from_db()
        assert citation.review_state == ReviewState.UNREVIEWED
        assert citation.reviewed_by is None
        reset = citation.history.first()
        assert reset.history_change_reason == "Review reset: the claim's text changed"
        assert citation.history.all()[1].review_state == "verified"

    def test_changing_the_footnote_text_sends_it_back_to_review(self, citation, checker):
        citation_review(citation=citation, reviewer=checker, state="disputed", note="Which?")

        citation.text = "Statement of Testland, 2 May 2013."
        citation.save()

        citation.refresh_from_db()
        assert (citation.review_state, citation.review_note) == ("unreviewed", "")
        assert citation.history.first().history_change_reason == (
            "Review reset: the footnote's text changed"
        )

    def test_other_edits_keep_the_review(self, citation, checker):
        citation_review(citation=citation, reviewer=checker, state="verified")
        claim = citation.claim

        claim.no_citation_needed = True
        claim.save()
        citation.position = 7
        citation.save()

        assert Citation.objects.get(pk=citation.pk).review_state == ReviewState.VERIFIED

    def test_saving_a_copy_loaded_before_the_review_keeps_the_review(self, citation, checker):
        stale = Citation.objects.get(pk=citation.pk)
        citation_review(citation=citation, reviewer=checker, state="verified")

        stale.position = 9
        stale.save()

        assert Citation.objects.get(pk=citation.pk).review_state == ReviewState.VERIFIED


def test_bulk_review_goes_on_past_refusals(checker):
    claim = make_claim()
    own = make_citation(claim=claim, text="Written by the checker.")
    own.text = "Rewritten by the checker."
    own._history_user = checker
    own.save()
    other = make_citation(claim=claim, text="Written by an editor.")

    reviewed, refusals = citations_review(
        citations=[own, other], reviewer=checker, state="verified"
    )

    assert reviewed == 1
    assert len(refusals) == 1 and "Rewritten by the checker." in refusals[0]
    assert Citation.objects.get(pk=other.pk).review_state == ReviewState.VERIFIED


def test_a_profile_with_a_disputed_citation_cannot_be_published(citation, checker):
    citation_review(citation=citation, reviewer=checker, state="disputed")
    profile = citation.claim.section.profile

    with pytest.raises(PublishBlocked, match="1 disputed citation"):
        profile_publish(profile=profile)

    assert not profile.publications.exists()


def test_resolving_the_dispute_lets_it_publish(citation, checker):
    citation_review(citation=citation, reviewer=checker, state="disputed")
    citation.text = "Corrected footnote."
    citation.save()

    result = profile_publish(profile=citation.claim.section.profile)

    assert result.created


def test_reimport_resets_only_the_citations_of_changed_text(checker, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from tests.conftest import FIXTURES

    mali = FIXTURES / "mali-cluster-munition-ban-policy.txt"
    call_command("import_profile", str(mali), stdout=StringIO())
    citations_review(citations=Citation.objects.all(), reviewer=checker, state="verified")
    changed = tmp_path / mali.name
    changed.write_text(
        mali.read_text().replace("Mali has stated several times", "Mali has stated many times")
    )

    call_command("import_profile", str(changed), stdout=StringIO())

    reset = Citation.objects.filter(review_state=ReviewState.UNREVIEWED)
    assert [c.claim.text[:26] for c in reset] == ["Mali has stated many times"]
    assert Citation.objects.filter(review_state=ReviewState.VERIFIED).count() == 7
