"""Constraints the database enforces, and history on every editable model."""

import pytest
from django.db import IntegrityError, transaction

from citations.models import Citation, CitationSource, Source
from profiles.models import Claim, Country, Profile, Section, Topic, Treaty, TreatyStatus
from tests.factories import (
    make_citation,
    make_claim,
    make_country,
    make_profile,
    make_section,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def violates_constraint(action) -> bool:
    try:
        with transaction.atomic():
            action()
    except IntegrityError:
        return True
    return False


class ConstraintTests:
    def test_one_profile_per_country_and_topic(self):
        profile = make_profile()

        assert violates_constraint(
            lambda: Profile.objects.create(
                country=profile.country, topic=profile.topic, last_updated=profile.last_updated
            )
        )

    @pytest.mark.parametrize("model", [Country, Treaty, Topic], ids=lambda model: model.__name__)
    def test_slugs_are_unique(self, model):
        model.objects.create(name="First", slug="same-slug")

        assert violates_constraint(lambda: model.objects.create(name="Second", slug="same-slug"))

    def test_iso3_is_unique_where_set_and_may_be_blank_for_many(self):
        make_country("Blankland", iso3="")
        make_country("Blankshire", iso3="")

        assert violates_constraint(lambda: make_country("Copyland", iso3="MLI"))

    def test_choice_values_are_checked_by_the_database(self):
        section = make_section()
        country = make_country()

        assert violates_constraint(lambda: Section.objects.filter(pk=section.pk).update(kind="x"))
        assert violates_constraint(lambda: Section.objects.filter(pk=section.pk).update(level=3))
        assert violates_constraint(lambda: Country.objects.filter(pk=country.pk).update(region="x"))
        assert violates_constraint(
            lambda: TreatyStatus.objects.create(
                country=country, treaty=Treaty.objects.first(), status="maybe"
            )
        )
        assert violates_constraint(lambda: Source.objects.create(kind="rumour"))

    def test_positions_are_unique_within_their_parent(self):
        claim = make_claim()
        citation = make_citation(claim=claim)
        source = Source.objects.create(kind=Source.Kind.EMAIL)
        CitationSource.objects.create(citation=citation, source=source, position=1)

        assert violates_constraint(lambda: make_section(profile=claim.section.profile, position=1))
        assert violates_constraint(lambda: make_claim(section=claim.section, position=1))
        assert violates_constraint(
            lambda: Citation.objects.create(claim=claim, position=citation.position, text="x")
        )
        assert violates_constraint(
            lambda: CitationSource.objects.create(citation=citation, source=source, position=1)
        )

    def test_the_same_position_is_fine_under_another_parent(self):
        first = make_section()
        second = make_section(profile=make_profile(topic=make_topic("Other Policy")))

        make_claim(section=first, position=1)
        make_claim(section=second, position=1)

        assert Claim.objects.filter(position=1).count() == 2

    def test_a_country_with_profiles_cannot_be_deleted(self):
        from django.db.models import ProtectedError

        profile = make_profile()

        with pytest.raises(ProtectedError):
            profile.country.delete()


class HistoryTests:
    @pytest.mark.parametrize(
        "model",
        [
            Country,
            Treaty,
            TreatyStatus,
            Topic,
            Profile,
            Section,
            Claim,
            Citation,
            Source,
            CitationSource,
        ],
        ids=lambda model: model.__name__,
    )
    def test_every_editable_model_keeps_history(self, model):
        assert hasattr(model, "history")

    def test_a_save_records_the_user_and_the_reason(self):
        claim = make_claim()
        editor = make_user("editor")

        claim.text = "Testland ratified the treaty."
        claim._history_user = editor
        claim._change_reason = "Corrected the verb"
        claim.save()

        record = claim.history.first()
        assert (record.history_user, record.history_change_reason) == (
            editor,
            "Corrected the verb",
        )
        assert record.diff_against(record.prev_record).changed_fields == ["text"]

    def test_a_deleted_claim_stays_in_history(self):
        claim = make_claim(text="Testland destroyed its stockpile.")
        pk = claim.pk

        claim.delete()

        assert (
            Claim.history.get(id=pk, history_type="-").text == "Testland destroyed its stockpile."
        )


def test_footnote_numbers_follow_the_order_of_claims_and_citations():
    profile = make_profile(topic=make_topic("Numbering Policy"))
    summary = make_section(profile=profile, kind=Section.Kind.SUMMARY, heading="")
    policy = make_section(profile=profile)
    later = make_claim(section=policy, text="Later.")
    earlier = make_claim(section=summary, text="Earlier.")
    second = make_citation(claim=later, text="Second source.")
    first = make_citation(claim=earlier, text="First source.")
    third = make_citation(claim=later, text="Third source.")

    tree = Profile.objects.with_tree().get(pk=profile.pk)

    assert list(tree.footnotes()) == [(1, first), (2, second), (3, third)]


def test_a_section_is_named_with_its_profile_so_autocomplete_tells_profiles_apart(admin_client):
    topic = make_topic("Mine Ban Policy")
    mali = make_profile(country=make_country("Mali"), topic=topic)
    chad = make_profile(country=make_country("Chad"), topic=topic)
    for profile in (mali, chad):
        make_section(profile=profile, heading="Policy")

    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "profiles", "model_name": "claim", "field_name": "section", "term": "pol"},
    )

    assert sorted(result["text"] for result in response.json()["results"]) == [
        "Chad — Mine Ban Policy: Policy",
        "Mali — Mine Ban Policy: Policy",
    ]
