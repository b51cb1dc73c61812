"""import_profile and export_profile against the database."""

import datetime
import subprocess
import sys

import pytest
from django.core.management import CommandError

from citations.models import Citation
from profiles.models import Claim, Country, Profile, Section, Topic, TreatyStatus
from profiles.textformat import parse_profile
from profiles.treaty_facts import treaty_status_facts
from tests.conftest import EASTMARCH, MALI, ROOT, WESTMARCH
from tests.factories import import_profiles, import_text
from tests.helpers import comparable, export, history_count

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "country", "topic"),
    [
        (MALI, "mali", "cluster-munition-ban-policy"),
        (WESTMARCH, "westmarch", "cluster-munition-ban-policy"),
        (EASTMARCH, "eastmarch", "mine-ban-policy"),
    ],
    ids=["mali", "westmarch", "eastmarch"],
)
def test_import_then_export_reproduces_the_file(path, country, topic):
    import_profiles(path)

    assert comparable(export(country, topic)) == comparable(path.read_text())


def test_import_builds_the_working_copy():
    output = import_profiles(MALI)

    profile = Profile.objects.get(country__slug="mali", topic__slug="cluster-munition-ban-policy")
    assert profile.last_updated == datetime.date(2016, 6, 7)
    assert profile.sections.count() == 3
    assert Claim.objects.filter(section__profile=profile).count() == 14
    assert Citation.objects.filter(claim__section__profile=profile).count() == 8
    assert "created Mali — Cluster Munition Ban Policy" in output


def test_import_records_history_with_a_change_reason():
    import_profiles(MALI)

    claim = Claim.objects.filter(section__profile__country__slug="mali").first()
    record = claim.history.get()
    assert record.history_type == "+"
    assert record.history_change_reason == f"Imported from {MALI.name}"


def test_import_matches_an_existing_country_and_creates_an_unknown_one():
    output = import_profiles(MALI, WESTMARCH)

    assert Country.objects.filter(name="Mali").count() == 1
    westmarch = Country.objects.get(slug="westmarch")
    assert westmarch.name == "Westmarch"
    assert "created country “Westmarch” (westmarch)" in output


def test_import_creates_a_missing_topic_with_its_slug(tmp_path):
    path = tmp_path / "testland.txt"
    path.write_text(
        "Testland\n\nCasualties and Victim Assistance\n\nLast updated: 05 May 2015\n\n"
        "Casualties\n\nIt happened.[1]\n\n[1] Email.\n"
    )

    output = import_profiles(path)

    topic = Topic.objects.get(slug="casualties-and-victim-assistance")
    assert topic.name == "Casualties and Victim Assistance"
    assert topic.treaty is None
    assert "created topic" in output


def test_import_fills_the_treaty_status_the_profile_states():
    import_profiles(MALI)

    status = TreatyStatus.objects.get(
        country__slug="mali", treaty__slug="convention-on-cluster-munitions"
    )
    assert status.status == TreatyStatus.Status.STATE_PARTY
    assert status.signed_on == datetime.date(2008, 12, 3)
    assert status.joined_on == datetime.date(2010, 6, 30)
    assert status.joined_by == TreatyStatus.JoinedBy.RATIFICATION
    assert status.in_force_on == datetime.date(2010, 12, 1)
    mine_ban = TreatyStatus.objects.get(country__slug="mali", treaty__slug="mine-ban-treaty")
    assert mine_ban.status == TreatyStatus.Status.STATE_PARTY


def test_import_never_overwrites_a_treaty_status_an_editor_entered(django_user_model):
    import_profiles(MALI)
    status = TreatyStatus.objects.get(
        country__slug="mali", treaty__slug="convention-on-cluster-munitions"
    )
    status.signed_on = datetime.date(2008, 12, 4)
    status._history_user = django_user_model.objects.create_user("editor")
    status.save()
    changed = MALI.read_text().replace("07 June 2016", "08 June 2016")

    output = import_text(changed, "mali.txt")

    status.refresh_from_db()
    assert status.signed_on == datetime.date(2008, 12, 4)
    assert "kept the editor's signed on 04 December 2008 (the file says 03 December 2008)" in output


class ReimportTests:
    def test_reimporting_an_unchanged_file_writes_no_history(self):
        import_profiles(MALI, WESTMARCH)
        before = history_count()

        output = import_profiles(MALI, WESTMARCH)

        assert history_count() == before
        assert "is unchanged" in output

    def test_changed_claim_keeps_its_identity_and_gets_one_history_record(self):
        import_profiles(MALI)
        ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
        claim = Claim.objects.get(text__startswith="Mali has stated several times")
        changed = MALI.read_text().replace(
            "Mali has stated several times", "Mali has stated many times"
        )

        output = import_text(changed, MALI.name)

        assert list(Claim.objects.order_by("pk").values_list("pk", flat=True)) == ids
        claim.refresh_from_db()
        assert claim.text.startswith("Mali has stated many times")
        assert claim.history.count() == 2
        assert claim.history.first().history_type == "~"
        assert "1 claims changed" in output

    def test_removed_claim_is_deleted_and_kept_in_history(self):
        import_profiles(MALI)
        claim = Claim.objects.get(text__startswith="It is not known to have produced")
        citation = claim.citations.get()
        changed = MALI.read_text().replace(
            " It is not known to have produced or transferred the weapons.[7]", ""
        )
        changed = changed.replace("[8]", "[7]").replace(
            "[7] Email from Amadou Maiga, West African Journalists for Security and "
            "Development Network, 19 July 2010.\n\n",
            "",
        )

        import_text(changed, MALI.name)

        assert not Claim.objects.filter(pk=claim.pk).exists()
        deleted = Claim.history.get(id=claim.pk, history_type="-")
        assert deleted.text == claim.text
        assert deleted.position == claim.position
        assert Citation.history.filter(id=citation.pk, history_type="-").exists()
        exported = export("mali", "cluster-munition-ban-policy")
        assert comparable(exported) == comparable(changed)

    def test_inserted_claim_moves_the_others_without_losing_them(self):
        import_profiles(WESTMARCH)
        ids = set(Claim.objects.values_list("pk", flat=True))
        text = WESTMARCH.read_text()
        changed = text.replace(
            "Policy\n\nThe Kingdom", "Policy\n\nWestmarch joined early.\n\nThe Kingdom"
        )

        output = import_text(changed, WESTMARCH.name)

        assert ids < set(Claim.objects.values_list("pk", flat=True))
        assert "1 claims added" in output
        assert comparable(export("westmarch", "cluster-munition-ban-policy")) == comparable(changed)

    def test_reordered_sections_keep_their_identity(self):
        header = "Testland\n\nMine Ban Policy\n\nLast updated: 05 May 2015\n\n"
        policy = "Policy\n\nTestland has not joined.\n\n"
        use = "Use\n\nTestland never used mines.\n\n"
        import_text(header + policy + use, "testland.txt")
        sections = dict(Section.objects.values_list("heading", "pk"))
        claims = dict(Claim.objects.values_list("text", "pk"))

        import_text(header + use + policy, "testland.txt")

        assert dict(Section.objects.values_list("heading", "pk")) == sections
        assert dict(Claim.objects.values_list("text", "pk")) == claims
        assert export("testland", "mine-ban-policy") == header + use + policy.rstrip() + "\n"

    def test_editor_level_on_an_existing_section_survives_reimport(self):
        import_profiles(WESTMARCH)
        section = Section.objects.get(heading="Interoperability and transit")
        section.level = Section.Level.HEADING
        section.save()

        import_text(WESTMARCH.read_text().replace("7 April 2012", "8 April 2012"), "w.txt")

        section.refresh_from_db()
        assert section.level == Section.Level.HEADING


class BadInputTests:
    def test_bad_file_writes_nothing_even_beside_a_good_one(self, tmp_path):
        bad = tmp_path / "bad.txt"
        bad.write_text(MALI.read_text().replace("[8] Statement", "[9] Statement"))
        before = (Profile.objects.count(), history_count())

        with pytest.raises(CommandError) as caught:
            import_profiles(WESTMARCH, bad)

        assert (Profile.objects.count(), history_count()) == before
        assert f"{bad}:33: marker [8] has no footnote [8]" in str(caught.value)
        assert f"{bad}:51: footnote [9] is out of order" in str(caught.value)
        assert "nothing was imported" in str(caught.value)

    def test_command_exits_non_zero_with_the_reason(self, tmp_path):
        empty = tmp_path / "empty.txt"
        empty.write_text("")

        result = subprocess.run(
            [sys.executable, "manage.py", "import_profile", str(empty)],
            capture_output=True,
            text=True,
            env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin"},
            cwd=ROOT,
        )

        assert result.returncode != 0
        assert f"{empty}: the file is empty" in result.stderr

    def test_export_of_unknown_profile_names_the_slugs(self):
        with pytest.raises(CommandError, match="No profile for country “nowhere”"):
            export("nowhere", "cluster-munition-ban-policy")


def test_dry_run_reports_and_writes_nothing():
    before = (Profile.objects.count(), history_count())

    output = import_profiles(MALI, dry_run=True)

    assert "created Mali — Cluster Munition Ban Policy" in output
    assert "Dry run: nothing was written." in output
    assert (Profile.objects.count(), history_count()) == before


def test_a_resignation_is_not_read_as_a_signature():
    text = (
        "Ruritania\n\nCluster Munition Ban Policy\n\nLast updated: 01 May 2017\n\n"
        "Summary: The foreign minister resigned on 3 May 2012.\n"
    )

    document = parse_profile(text, filename="ruritania.txt")

    assert treaty_status_facts(document) == {}
    document = parse_profile(text.replace("resigned", "signed"), filename="ruritania.txt")
    assert treaty_status_facts(document)["signed_on"] == datetime.date(2012, 5, 3)
