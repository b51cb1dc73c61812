"""manage.py generate_demo_data, at a small scale: the counts asked for, public pages and search
that work, the latest edition equal to the working copy, consistent history, refusals."""

import itertools
import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from citations.models import Citation, CitationSource, Source
from profiles.demo_data.prose import Prose
from profiles.demo_data.vocabulary import vocabulary
from profiles.models import Claim, Profile, Publication, Section, TreatyStatus
from profiles.snapshots import build_snapshot, snapshot_checksum
from profiles.states import history_model, tracked_fields
from profiles.timeline import profile_change_sets
from tests.factories import make_profile, make_user

pytestmark = pytest.mark.django_db

OPTIONS = {
    "countries": 3,
    "topics": 2,
    "claims": 30,
    "sections": 5,
    "editions": 3,
    "history": 50,
}
GENERATED_MODELS = [Profile, Section, Claim, Citation, CitationSource, Source, TreatyStatus]
TREE_MODELS = [Section, Claim, Citation, CitationSource]


def generate(**options) -> str:
    out = StringIO()
    call_command("generate_demo_data", **{**OPTIONS, **options}, stdout=out)
    return out.getvalue()


@pytest.fixture
def generated() -> str:
    return generate()


def largest_profile() -> Profile:
    return Profile.objects.get(
        country__slug="afghanistan", topic__slug="cluster-munition-ban-policy"
    )


def tree_records(model, profile):
    """The historical records of the objects of one kind in a profile's tree."""
    lookup = {
        Section: "profile",
        Claim: "section__profile",
        Citation: "claim__section__profile",
        CitationSource: "citation__claim__section__profile",
    }[model]
    ids = model.objects.filter(**{lookup: profile}).values("pk")
    return history_model(model).objects.filter(id__in=ids)


def test_counts_match_the_options(generated):
    largest = largest_profile()
    profiles = Profile.objects.all()

    assert "Largest profile: afghanistan cluster-munition-ban-policy" in generated
    assert profiles.count() == 3 * 2
    assert Claim.objects.filter(section__profile=largest).count() == 30
    assert largest.sections.count() == 5
    assert largest.sections.first().kind == Section.Kind.SUMMARY
    for profile in profiles.exclude(pk=largest.pk):
        assert Claim.objects.filter(section__profile=profile).count() < 30
    for profile in profiles.filter(latest_publication__isnull=False):
        assert list(profile.publications.values_list("number", flat=True)) == [3, 2, 1]
    assert CitationSource.objects.exists()
    assert Citation.objects.filter(review_state="verified").count() > Citation.objects.count() / 2


def test_every_public_profile_page_shows_its_claims(generated, client):
    public = Profile.objects.public().select_related("country", "topic", "latest_publication")

    assert public.count() == 4
    for profile in public:
        response = client.get(f"/countries/{profile.country.slug}/{profile.topic.slug}/")
        snapshot = profile.latest_publication.snapshot
        assert response.status_code == 200
        for section in snapshot["sections"]:
            for claim in section["claims"]:
                assert escape(claim["text"]) in response.text


def test_latest_edition_is_the_working_copy_as_publishing_builds_it(generated):
    for profile in Profile.objects.public().with_tree():
        status = TreatyStatus.objects.filter(
            country=profile.country, treaty=profile.topic.treaty
        ).first()
        snapshot = build_snapshot(profile, status)
        latest = Publication.objects.get(pk=profile.latest_publication_id)

        assert latest.snapshot == snapshot
        assert latest.checksum == snapshot_checksum(snapshot)
        assert latest.number == 3
        assert latest.last_updated == profile.last_updated


def test_search_finds_a_generated_word(generated, client):
    profile = largest_profile()
    claim = profile.latest_publication.snapshot["sections"][1]["claims"][0]["text"]
    word = max(claim.split(), key=len).strip(".,;“”")

    response = client.get("/search/", {"q": word})

    assert response.status_code == 200
    assert f"/countries/{profile.country.slug}/{profile.topic.slug}/" in response.text


def test_drafts_and_the_withdrawn_profile_are_not_public(generated, client):
    drafts = Profile.objects.filter(latest_publication__isnull=True)
    withdrawn = Profile.objects.filter(withdrawn_at__isnull=False)

    assert drafts.count() == 1
    assert withdrawn.count() == 1
    for profile in [*drafts, *withdrawn]:
        response = client.get(f"/countries/{profile.country.slug}/{profile.topic.slug}/")
        assert response.status_code == 404
    assert not Publication.objects.filter(profile__in=drafts).exists()


def test_the_largest_profile_has_the_history_asked_for(generated, client):
    profile = largest_profile()
    records = [tree_records(model, profile).filter(history_type="~") for model in TREE_MODELS]
    edit_change_sets = {cs for queryset in records for cs in queryset.values_list("change_set")}
    client.force_login(make_user("admin", superuser=True))

    response = client.get(f"/admin/profiles/profile/{profile.pk}/timeline/")

    assert sum(queryset.count() for queryset in records) == 50
    # The import, the edits, and the publication of the latest edition.
    assert profile_change_sets(profile).count() == len(edit_change_sets) + 2
    assert response.status_code == 200


def test_history_records_are_dated_in_change_sets_after_creation(generated):
    profile, now = largest_profile(), timezone.now()
    for model in GENERATED_MODELS:
        assert not history_model(model).objects.filter(change_set__isnull=True).exists()
    for model in TREE_MODELS:
        records = tree_records(model, profile)
        created = records.filter(history_type="+").latest("history_date").history_date
        edited = records.filter(history_type="~").order_by("history_date")
        assert all(created < record.history_date < now for record in edited)


def test_the_newest_record_of_each_object_holds_its_current_values(generated):
    for model in GENERATED_MODELS:
        fields = tracked_fields(model)
        current = {row["id"]: row for row in model.objects.values(*fields)}
        newest = {}
        for record in history_model(model).objects.order_by("history_id").values(*fields):
            newest[record["id"]] = record

        assert newest == current, model.__name__


def test_the_same_seed_writes_the_same_text():
    def text(seed):
        with transaction.atomic():
            generate(seed=seed, countries=2, topics=1, editions=1, history=10)
            written = list(
                Citation.objects.order_by(
                    "claim__section__profile__country__slug",
                    "claim__section__profile__topic__slug",
                    "claim__section__position",
                    "claim__position",
                    "position",
                ).values_list("claim__section__heading", "claim__text", "text", "review_state")
            )
            transaction.set_rollback(True)
        return written

    first = text(seed=7)

    assert text(seed=7) == first
    assert text(seed=8) != first


def test_refuses_a_database_that_has_profiles():
    make_profile()

    with pytest.raises(CommandError, match="already has 1 profile"):
        generate()
    assert Profile.objects.count() == 1


def test_refuses_more_countries_than_there_are():
    with pytest.raises(CommandError, match="--countries 1000"):
        generate(countries=1000)


def test_the_vocabulary_has_words_for_every_topic():
    words = vocabulary()

    assert words.default_treaty in words.treaties
    for topic in words.topics:
        assert words.headings[topic.family], topic.slug
        assert words.sentences[topic.family], topic.slug
        assert not topic.treaty or topic.treaty in words.treaties, topic.slug


def test_every_template_of_the_vocabulary_can_be_filled():
    words = vocabulary()
    prose = Prose(random.Random(1))
    context = {
        "country": "Testland",
        "weapon": "landmines",
        "treaty": words.treaty("").name,
        "meetings": words.meetings(""),
    }
    templates = [
        *words.common_sentences,
        *itertools.chain.from_iterable(words.sentences.values()),
        *words.commentary,
    ]

    for template in templates:
        assert "{" not in prose.fill(template, **context), template
    for headline in words.headlines:
        assert "{" not in headline.format(country="Testland", weapon="landmines"), headline
