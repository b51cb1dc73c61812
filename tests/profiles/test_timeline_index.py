"""The index of each profile's timeline: the change sets that wrote records within it
(profiles/timeline_index.py, fed by history's change_set_closed signal)."""

from io import StringIO

import pytest
from django.core.management import call_command

from citations.models import Citation
from history.changesets import change_set
from profiles.models import Claim, Profile, ProfileChangeSet
from profiles.publishing import profile_publish
from profiles.timeline_index import link_profiles
from tests.conftest import MALI, WESTMARCH

pytestmark = pytest.mark.django_db


def change_sets_found_by_scopes(profile) -> set[int]:
    """The change sets that wrote a record within the profile, searched in the history tables."""
    from profiles.timeline import HISTORY_MODELS, _scopes

    scopes = _scopes(profile.pk)
    return {
        change_set_id
        for name, model in HISTORY_MODELS.items()
        for change_set_id in model.history.filter(scopes[name]).values_list(
            "change_set_id", flat=True
        )
    }


def indexed_change_sets(profile) -> set[int]:
    return set(
        ProfileChangeSet.objects.filter(profile_id=profile.pk).values_list(
            "change_set_id", flat=True
        )
    )


def test_the_timeline_index_holds_every_change_set_within_each_profile(client):
    call_command("import_profile", str(MALI), str(WESTMARCH), stdout=StringIO())
    mali, westmarch = Profile.objects.order_by("country__name")
    claim = Claim.objects.filter(section__profile=mali).order_by("pk").first()
    claim.text += " (edited)"
    claim.save()  # outside any change set scope: one of its own
    citation = Citation.objects.filter(claim__section__profile=westmarch).last()
    source = citation.sources.first()
    assert source is not None
    citation.delete()
    source.notes = "Checked against the recording."
    source.save()
    with change_set(action="edit"):
        Claim.objects.filter(section__profile=mali).order_by("pk").last().delete()
    profile_publish(profile=mali)

    for profile in (mali, westmarch):
        assert indexed_change_sets(profile) == change_sets_found_by_scopes(profile)
    assert len(indexed_change_sets(mali)) == 4  # import, claim edit, claim deletion, publish


def test_the_timeline_index_can_be_built_afresh_from_history():
    call_command("import_profile", str(MALI), stdout=StringIO())
    profile = Profile.objects.get()
    before = indexed_change_sets(profile)
    ProfileChangeSet.objects.all().delete()

    link_profiles()
    link_profiles()  # again: nothing doubled

    assert indexed_change_sets(profile) == before != set()
    assert ProfileChangeSet.objects.count() == len(before)
