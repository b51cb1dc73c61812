"""The consistency checker: the text of a profile against its treaty status and its "Last
updated" date, from check_profiles, the readiness panel and the publish page."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from profiles.consistency import RULES, export_lines, profile_checks, profile_findings
from profiles.models import Claim, Profile, Publication, Section, Topic, TreatyStatus
from tests.conftest import EASTMARCH, MALI, ROOT, WESTMARCH
from tests.factories import (
    import_profile_file,
    make_citation,
    make_citation_source,
    make_claim,
    make_country,
    make_profile,
    make_section,
    make_source,
    make_treaty_status,
)
from tests.helpers import admin_url, export

pytestmark = pytest.mark.django_db

CCM_TOPIC = "cluster-munition-ban-policy"
MALI_FILE = "mali-cluster-munition-ban-policy.txt"
# Where Mali's treaty facts stand in its export: the summary, then the first paragraph of Policy.
SUMMARY_LINE, POLICY_LINE = 7, 11


def check(*arguments) -> tuple[int, str]:
    """Run check_profiles; return its exit status and output."""
    out = StringIO()
    try:
        call_command("check_profiles", *arguments, stdout=out)
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


def compact(response) -> str:
    return " ".join(response.content.decode().split())


def mali_status(mali) -> TreatyStatus:
    return TreatyStatus.objects.reported_in(mali).get()


def profile_saying(
    *texts, summary=(), status=None, last_updated=datetime.date(2016, 6, 7), country="Testland"
) -> Profile:
    """A Cluster Munition Ban Policy profile of `country` whose summary and Policy section say
    `summary` and `texts`; `status` (a dict of fields) makes its treaty status."""
    topic = Topic.objects.get(slug=CCM_TOPIC)
    profile = make_profile(country=make_country(country), topic=topic, last_updated=last_updated)
    if summary:
        section = make_section(profile=profile, kind=Section.Kind.SUMMARY, heading="")
        for text in summary:
            make_claim(section=section, text=text)
    section = make_section(profile=profile, heading="Policy")
    for text in texts:
        make_claim(section=section, text=text)
    if status is not None:
        make_treaty_status(country=profile.country, treaty=topic.treaty, **status)
    return profile


def rules_found(profile) -> list[str]:
    return [finding.rule for finding in profile_findings(profile.pk)]


PARTY_BY_RATIFICATION = {
    "status": TreatyStatus.Status.STATE_PARTY,
    "signed_on": datetime.date(2008, 12, 3),
    "joined_on": datetime.date(2010, 6, 30),
    "joined_by": TreatyStatus.JoinedBy.RATIFICATION,
    "in_force_on": datetime.date(2010, 12, 1),
}


class CommandTests:
    def test_mali_as_imported_agrees_with_its_status(self, mali):
        status, output = check()

        assert status == 0
        assert output == "No findings in 1 profile.\n"

    def test_a_planted_ratification_date_is_found_at_its_lines(self, mali):
        treaty_status = mali_status(mali)
        treaty_status.joined_on = datetime.date(2011, 6, 30)
        treaty_status.save()
        summary = Claim.objects.get(section__profile=mali, section__position=1, position=1)
        policy = Claim.objects.get(section__profile=mali, text__contains="Malisigned")

        status, output = check("mali")

        assert status == 1
        assert output.splitlines() == [
            "Mali — Cluster Munition Ban Policy",
            f"  {MALI_FILE}:{SUMMARY_LINE}: Summary, claim 1: The text says “ratified the "
            "convention on 30 June 2010”, but the treaty status has ratified or acceded on "
            "30 June 2011. [joined-on]",
            f"    {admin_url(summary)}",
            f"  {MALI_FILE}:{POLICY_LINE}: Policy, claim 1: The text says “ratified on 30 June "
            "2010”, but the treaty status has ratified or acceded on 30 June 2011. [joined-on]",
            f"    {admin_url(policy)}",
            "2 findings in 1 of 1 profile.",
        ]
        lines = export("mali", CCM_TOPIC).splitlines()
        assert lines[SUMMARY_LINE - 1].startswith("Summary: State Party Mali ratified")
        assert "ratified on 30 June 2010" in lines[POLICY_LINE - 1]

    def test_a_planted_claim_date_is_found_in_json(self, mali):
        claim = Claim.objects.get(section__profile=mali, text__contains="Malisigned")
        claim.text = claim.text.replace("ratified on 30 June 2010", "ratified on 30 June 2009")
        claim.save()

        status, output = check("--format", "json")

        assert status == 1
        assert json.loads(output) == [
            {
                "profile": "Mali — Cluster Munition Ban Policy",
                "country": "mali",
                "topic": CCM_TOPIC,
                "findings": [
                    {
                        "rule": "joined-on",
                        "message": "The text says “ratified on 30 June 2009”, but the treaty "
                        "status has ratified or acceded on 30 June 2010.",
                        "claim_id": claim.pk,
                        "section": "Policy",
                        "position": 1,
                        "line": POLICY_LINE,
                        "admin_url": admin_url(claim),
                    }
                ],
            }
        ]

    def test_json_lists_clean_profiles_with_no_findings(self, mali):
        status, output = check("Mali", "Cluster Munition Ban Policy", "--format", "json")

        assert status == 0
        assert json.loads(output)[0]["findings"] == []

    def test_an_unknown_country_and_topic_are_named(self, mali):
        with pytest.raises(CommandError, match="Unknown country “Atlantis” and topic “x”") as error:
            check("Atlantis", "x")

        assert error.value.returncode == 2

    def test_a_country_without_profiles_is_an_error(self, mali):
        make_country("Testland")

        with pytest.raises(CommandError, match="No profile for testland"):
            check("testland")


class StatusRuleTests:
    def test_state_party_in_the_summary_against_a_signatory(self, mali):
        treaty_status = mali_status(mali)
        treaty_status.status = TreatyStatus.Status.SIGNATORY
        treaty_status.save()

        findings = profile_findings(mali.pk)

        assert [(f.rule, f.section, f.line) for f in findings if f.rule == "state-party"] == [
            ("state-party", "Summary", SUMMARY_LINE)
        ]
        assert findings[0].message.endswith("but the treaty status is Signatory.")

    def test_has_not_joined_against_a_state_party(self):
        profile = profile_saying(
            "Testland has not joined the convention.",
            summary=["Non-signatory Testland has not ratified it.", "Signatory states met."],
            status=PARTY_BY_RATIFICATION,
        )

        assert rules_found(profile) == ["non-signatory", "not-joined", "not-joined"]

    def test_has_not_signed_contradicts_a_ratification_but_not_an_accession(self):
        acceded = {"status": TreatyStatus.Status.STATE_PARTY, "joined_by": "accession"}

        acceding = profile_saying("Testland has not signed.", status=acceded)
        ratifying = profile_saying(
            "Ratland has not signed.", status=PARTY_BY_RATIFICATION, country="Ratland"
        )

        assert rules_found(acceding) == []
        assert rules_found(ratifying) == ["not-signed"]

    def test_acceded_against_a_ratification(self):
        profile = profile_saying(
            "Testland acceded to the convention on 30 June 2010.", status=PARTY_BY_RATIFICATION
        )

        assert rules_found(profile) == ["joined-by"]

    def test_a_status_date_the_text_does_not_mention_is_no_finding(self):
        profile = profile_saying("Testland is a State Party.", status=PARTY_BY_RATIFICATION)

        assert rules_found(profile) == []

    def test_a_date_where_the_status_has_none_is_no_finding(self):
        profile = profile_saying(
            "Testland ratified the convention on 30 June 2010.",
            status={"status": TreatyStatus.Status.STATE_PARTY},
        )

        assert rules_found(profile) == []

    def test_statements_about_other_treaties_are_left_alone(self):
        profile = profile_saying(
            "Testland signed the Mine Ban Treaty on 3 December 1997 and ratified on 2 June 1998.",
            "It ratified the Convention on the Rights of Persons with Disabilities on 1 May 2009.",
            "Testland is party to the Convention on Certain Conventional Weapons.",
            "It has not joined the Arms Trade Treaty.",
            "Testland joined the Oslo Process on 23 February 2007.",
            status={"status": TreatyStatus.Status.SIGNATORY},
        )

        assert rules_found(profile) == []

    def test_relative_clauses_about_other_states_are_left_alone(self):
        profile = profile_saying(
            "It voted for the resolution that urges states that have not joined the convention "
            "to do so.",
            "It called on each state which has not yet signed the convention to sign it.",
            status=PARTY_BY_RATIFICATION,
        )

        assert rules_found(profile) == []

    def test_the_treaty_named_by_its_short_name_is_the_profiles(self):
        profile = profile_saying(
            "Testland ratified the CCM on 1 July 2010.", status=PARTY_BY_RATIFICATION
        )

        assert rules_found(profile) == ["joined-on"]

    def test_a_profile_without_a_status_is_checked_for_dates_only(self):
        profile = profile_saying(
            "State Party Testland ratified the convention on 30 June 2010.",
            "As of 1 January 2010, it had not reported.",
        )

        assert rules_found(profile) == ["as-of-stale"]

    def test_eastmarchs_summary_against_a_state_party_status(self):
        eastmarch = import_profile_file(EASTMARCH)
        make_treaty_status(
            country=eastmarch.country,
            treaty=eastmarch.topic.treaty,
            status=TreatyStatus.Status.NOT_PARTY,
        )

        assert rules_found(eastmarch) == []

        TreatyStatus.objects.filter(country=eastmarch.country).delete()
        make_treaty_status(
            country=eastmarch.country,
            treaty=eastmarch.topic.treaty,
            status=TreatyStatus.Status.STATE_PARTY,
        )

        assert rules_found(eastmarch) == ["non-signatory", "not-joined", "not-joined"]


class DateRuleTests:
    def test_an_as_of_date_more_than_a_year_old_is_found(self):
        profile = profile_saying(
            "As of 30 May 2015, Testland had not reported.",  # a year and 8 days before
            "As of 30 June 2015, Testland had not reported.",
            "It had not begun as of May 2015.",  # May counts to its last day, the 31st
            "As of the end of 2014, nothing had changed.",
            last_updated=datetime.date(2016, 6, 7),
        )

        findings = profile_findings(profile.pk)

        assert [(f.rule, f.position) for f in findings] == [
            ("as-of-stale", 1),
            ("as-of-stale", 3),
            ("as-of-stale", 4),
        ]
        assert findings[0].message == (
            "The text says “As of 30 May 2015”, more than a year before “Last updated: "
            "07 June 2016”."
        )

    def test_a_footnote_citing_a_source_dated_after_last_updated_is_found_at_its_line(self):
        profile = profile_saying("Testland spoke.", "It spoke again.", "And again.")
        first, second, third = Claim.objects.filter(section__profile=profile).order_by("position")
        for claim, date in [
            (first, datetime.date(2016, 6, 7)),
            (second, datetime.date(2016, 7, 1)),
            (third, None),
        ]:
            make_citation_source(
                citation=make_citation(claim=claim, text=f"Statement of Testland, {date}."),
                source=make_source(date=date),
            )

        findings = profile_findings(profile.pk)

        assert [(f.rule, f.claim_id) for f in findings] == [
            ("source-after-last-updated", second.pk)
        ]
        assert findings[0].message == (
            "Footnote [2] cites a source dated 01 July 2016, after “Last updated: 07 June 2016”."
        )
        line = export(profile.country.slug, profile.topic.slug).splitlines()[findings[0].line - 1]
        assert line == "[2] Statement of Testland, 2016-07-01."


class LineTests:
    @pytest.mark.parametrize("path", [MALI, WESTMARCH], ids=["mali", "westmarch"])
    def test_every_claim_and_footnote_line_is_its_line_in_the_export(self, path):
        profile = import_profile_file(path)
        tree = Profile.objects.with_tree().get(pk=profile.pk)
        lines = export(profile.country.slug, profile.topic.slug).splitlines()

        claim_lines, footnote_lines = export_lines(tree)

        number = 0
        for section in tree.sections.all():
            for claim in section.claims.all():
                assert claim.text in lines[claim_lines[claim.pk] - 1]
                for citation in claim.citations.all():
                    number += 1
                    line = lines[footnote_lines[citation.pk] - 1]
                    assert line.startswith(f"[{number}] ")


class QueryCountTests:
    def test_queries_do_not_grow_with_profiles_claims_and_sources(self, mali):
        def count() -> tuple[int, int]:
            with CaptureQueriesContext(connection) as queries:
                checks = list(profile_checks(Profile.objects.all()))
            return len(queries), len(checks)

        one = count()
        import_profile_file(WESTMARCH)
        for number in range(3):
            profile = profile_saying(
                "As of 1 May 2010, Testland had not reported.",
                "Testland ratified the convention on 30 June 2010.",
                status=PARTY_BY_RATIFICATION,
                country=f"Testland {number}",
            )
            for claim in Claim.objects.filter(section__profile=profile):
                make_citation_source(citation=make_citation(claim=claim))

        several = count()

        assert one == (7, 1)
        assert several == (7, 5)

    def test_one_profile_takes_six_queries_or_two_with_its_tree(
        self, mali, django_assert_num_queries
    ):
        with django_assert_num_queries(6):
            profile_findings(mali.pk)
        tree = Profile.objects.with_tree().get(pk=mali.pk)

        with django_assert_num_queries(2):
            profile_findings(mali.pk, tree=tree)


class AdminTests:
    @pytest.fixture
    def planted(self, mali):
        """Mali, its status saying it ratified a year later than the text says."""
        treaty_status = mali_status(mali)
        treaty_status.joined_on = datetime.date(2011, 6, 30)
        treaty_status.save()
        return Claim.objects.get(section__profile=mali, section__position=1, position=1)

    def test_the_readiness_panel_shows_the_finding_with_a_link(self, editor_client, planted):
        response = editor_client.get(admin_url(planted.section.profile))

        page = compact(response)
        assert "Text and treaty status" in page
        assert (
            f'<a href="{admin_url(planted)}">Summary, claim 1</a> (line {SUMMARY_LINE} of the '
            "text): The text says “ratified the convention on 30 June 2010”, but the treaty "
            "status has ratified or acceded on 30 June 2011."
        ) in page

    def test_the_readiness_panel_says_when_all_agrees(self, editor_client, mali):
        page = compact(editor_client.get(admin_url(mali)))

        assert "The text agrees with the treaty status" in page

    def test_the_publish_page_warns_first_and_still_publishes(self, publisher_client, planted):
        mali = planted.section.profile
        url = reverse("admin:profiles_profile_publish", args=[mali.pk])

        page = compact(publisher_client.get(url))

        assert "Check before you publish" in page
        assert page.index("Check before you publish") < page.index("Sources and reviews")
        assert f'<a href="{admin_url(planted)}">Summary, claim 1</a>' in page
        assert "2 consistency warnings (above): you may publish" in page
        assert 'value="Publish edition 1"' in page

        publisher_client.post(url)

        assert Publication.objects.filter(profile=mali).count() == 1

    def test_the_publish_page_without_findings_has_no_warning(self, publisher_client, mali):
        url = reverse("admin:profiles_profile_publish", args=[mali.pk])

        page = compact(publisher_client.get(url))

        assert "Check before you publish" not in page


def test_every_rule_is_named_in_the_editors_guide():
    guide = (ROOT / "docs" / "editors-guide.md").read_text()

    assert [rule.name for rule in RULES if f"`{rule.name}`" not in guide] == []
    assert len({rule.name for rule in RULES}) == len(RULES)
