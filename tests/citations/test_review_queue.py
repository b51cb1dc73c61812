"""The review queue: fact-checkers review citations in the admin, editors read the disputes."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from citations.models import Citation, ReviewState, Source
from citations.services import citation_review
from profiles.roles import FACT_CHECKERS
from tests.factories import (
    changeform_data,
    make_citation,
    make_citation_source,
    make_claim,
    make_country,
    make_member,
    make_profile,
    make_section,
    make_source,
    make_topic,
    make_user,
)
from tests.helpers import admin_url, count_queries

pytestmark = pytest.mark.django_db

QUEUE = reverse("citations:review_queue")
DISPUTES = reverse("citations:disputes")
BULK = reverse("citations:review_bulk")


def review_url(citation):
    return reverse("citations:review", args=[citation.pk])


def listed(response):
    return list(response.context["page_obj"].object_list)


def row(response, citation) -> str:
    """Return the HTML of a citation's row in the queue."""
    page = response.content.decode()
    match = re.search(rf'<tr id="citation-{citation.pk}"[^>]*>.*?</tr>', page, re.DOTALL)
    assert match, f"no row for citation {citation.pk}"
    return match.group(0)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def other_checker():
    return make_member("second-checker", FACT_CHECKERS)


@pytest.fixture
def citation():
    claim = make_claim(text="Testland ratified the convention on 1 May 2010.")
    return make_citation(claim=claim, text="Statement of Testland, Geneva, 13 September 2011.")


def reviewed(citation, reviewer, state=ReviewState.VERIFIED, note=""):
    return citation_review(citation=citation, reviewer=reviewer, state=state, note=note)


class QueuePageTests:
    def test_shows_the_claim_and_the_footnote_side_by_side(self, checker_client, citation):
        make_citation_source(
            citation=citation,
            source=make_source(title="Statement on the convention", url="https://example.org/s"),
        )

        response = checker_client.get(QUEUE)

        assert response.status_code == 200
        html = row(response, citation)
        claim_cell = html.index("Testland ratified the convention on 1 May 2010.")
        footnote_cell = html.index("Statement of Testland, Geneva, 13 September 2011.")
        assert claim_cell < footnote_cell
        assert '<a href="https://example.org/s"' in html
        assert "[1]" in html
        assert str(citation.claim.section.profile) in response.content.decode()

    def test_shows_each_sources_address_shortened_and_its_archived_copy(
        self, checker_client, citation
    ):
        long = "https://example.org/" + "a" * 60
        source = make_source(title="Long", url=long, archived_url="https://archive.example/1")
        make_citation_source(citation=citation, source=source, pinpoint="p. 4")

        html = row(checker_client.get(QUEUE), citation)

        assert (
            f'<a href="{long}" rel="noopener noreferrer" target="_blank">{long[:59]}…</a>' in html
        )
        assert '<a href="https://archive.example/1" rel="noopener noreferrer"' in html
        assert ", p. 4" in html
        assert f'href="{QUEUE}?source={source.pk}&amp;state=all"' in html

    def test_numbers_footnotes_by_their_place_in_the_profile(self, checker_client):
        section = make_section()
        first = make_claim(section=section, text="First claim.")
        second = make_claim(section=section, text="Second claim.")
        make_citation(claim=first, text="Footnote one.")
        make_citation(claim=first, text="Footnote two.")
        third = make_citation(claim=second, text="Footnote three.")

        response = checker_client.get(QUEUE)

        assert "[3]" in row(response, third)

    def test_shows_what_is_left_to_review_by_default(self, checker_client, citation, other_checker):
        done = make_citation(text="Already checked.")
        reviewed(done, other_checker)

        response = checker_client.get(QUEUE)

        assert listed(response) == [citation]

    def test_counts_what_is_left_in_the_current_filter(self, checker_client, other_checker):
        profile = make_profile()
        claim = make_claim(section=make_section(profile=profile))
        citations = [make_citation(claim=claim, text=f"Footnote {n}.") for n in range(5)]
        reviewed(citations[0], other_checker)
        reviewed(citations[1], other_checker, ReviewState.DISPUTED, "Wrong date.")
        reviewed(citations[2], other_checker, ReviewState.SOURCE_UNAVAILABLE)
        make_citation(text="In another profile.")

        response = checker_client.get(QUEUE, {"profile": profile.pk})

        page = " ".join(response.content.decode().split())
        assert "2 unreviewed, 1 disputed of 5 citations in the current filter" in page
        assert response.context["counts"] == {
            "total": 5,
            "unreviewed": 2,
            "verified": 1,
            "disputed": 1,
            "source-unavailable": 1,
        }

    def test_editors_may_read_the_queue_without_review_buttons(self, client, editor, citation):
        client.force_login(editor)

        response = client.get(QUEUE)

        assert response.status_code == 200
        assert listed(response) == [citation]
        assert review_url(citation) not in response.content.decode()
        assert BULK not in response.content.decode()

    def test_fact_checkers_get_a_form_per_row_and_a_bulk_form(self, checker_client, citation):
        response = checker_client.get(QUEUE)

        html = row(response, citation)
        assert f'action="{review_url(citation)}"' in html
        assert 'name="csrfmiddlewaretoken"' in html
        assert 'value="verified"' in html and 'value="disputed"' in html
        assert f'action="{BULK}"' in response.content.decode()

    def test_staff_without_citation_permissions_are_forbidden(self, client, citation):
        client.force_login(make_user("someone"))

        assert client.get(QUEUE).status_code == 403

    def test_anonymous_visitors_are_sent_to_the_login_page(self, client, citation):
        response = client.get(QUEUE)

        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    def test_pages_go_on_after_the_last_row_keeping_the_filters(self, checker_client):
        claim = make_claim()
        citations = [make_citation(claim=claim, text=f"Footnote {n}.") for n in range(55)]
        topic = claim.section.profile.topic_id

        first = checker_client.get(QUEUE, {"topic": topic})

        assert listed(first) == citations[:25]
        next_page = f"?topic={topic}&amp;after={citations[24].pk}"
        assert f'<a rel="next" href="{next_page}">Next 25 →</a>' in first.content.decode()
        second = checker_client.get(QUEUE, {"topic": topic, "after": citations[24].pk})
        assert listed(second) == citations[25:50]
        assert "[26]" in row(second, citations[25])
        assert f'href="?topic={topic}">← First page</a>' in second.content.decode()
        last = checker_client.get(QUEUE, {"topic": topic, "after": citations[49].pk})
        assert listed(last) == citations[50:]
        assert 'rel="next"' not in last.content.decode()

    def test_a_page_goes_on_after_its_row_even_when_that_row_left_the_selection(
        self, checker_client, other_checker
    ):
        claim = make_claim()
        citations = [make_citation(claim=claim, text=f"Footnote {n}.") for n in range(30)]
        reviewed(citations[24], other_checker)  # no longer unreviewed

        response = checker_client.get(QUEUE, {"after": citations[24].pk})

        assert listed(response) == citations[25:]

    def test_an_unknown_row_to_go_on_after_shows_the_first_page(self, checker_client, citation):
        for after in ("999999", "x", "1e3", "9" * 40):
            assert listed(checker_client.get(QUEUE, {"after": after})) == [citation]

    def test_profiles_come_in_the_order_of_their_countries_addresses(self, checker_client):
        # Ordered by name, byte by byte, Côte d'Ivoire would come after Cuba and Zambia.
        for name in ("Zambia", "Côte d'Ivoire", "Cuba"):
            slug = {"Côte d'Ivoire": "cote-divoire"}.get(name)
            make_citation(
                claim=make_claim(
                    section=make_section(
                        profile=make_profile(country=make_country(name, slug=slug))
                    )
                ),
                text=f"Footnote on {name}.",
            )

        shown = [c.claim.section.profile.country.name for c in listed(checker_client.get(QUEUE))]

        assert shown == ["Côte d'Ivoire", "Cuba", "Zambia"]

    def test_queries_do_not_grow_with_citations(self, checker_client, other_checker):
        profiles = [make_profile(country=make_country(f"Queueland {n}")) for n in range(3)]

        def make_citations(count):
            for number in range(count):
                claim = make_claim(section=make_section(profile=profiles[number % 3]))
                citation = make_citation(claim=claim)
                make_citation_source(citation=citation, source=make_source(url="https://a.example"))
                if number % 2:
                    reviewed(citation, other_checker, ReviewState.SOURCE_UNAVAILABLE, "Offline.")
                elif number % 3 == 0:
                    reviewed(citation, other_checker, ReviewState.DISPUTED, "Wrong year.")

        make_citations(6)
        urls = [
            f"{QUEUE}?state=all",
            QUEUE,
            f"{QUEUE}?state=all&count=1",
            f"{QUEUE}?state=all&part=counts",
            f"{QUEUE}?state=all&profile={profiles[1].pk}",
            DISPUTES,
        ]
        few = [count_queries(checker_client, url) for url in urls]
        first = listed(checker_client.get(f"{QUEUE}?state=all"))[0]
        urls.append(f"{QUEUE}?state=all&after={first.pk}")
        few.append(count_queries(checker_client, urls[-1]))
        make_citations(60)

        # Session, user, permissions (2); the page's rows, their sources, footnote numbers,
        # previous reviews (of unreviewed rows), the comment threads of the rows' claims and
        # footnotes, the filters' options; the counts when asked for or within a profile; the
        # profile typed; the row a page goes on after.
        assert few == [10, 10, 11, 5, 12, 9, 11]
        assert [count_queries(checker_client, url) for url in urls] == few

    def test_an_invalid_filter_shows_the_error_and_no_rows(self, checker_client, citation):
        response = checker_client.get(QUEUE, {"not_reviewed_days": "soon"})

        assert response.status_code == 200
        assert listed(response) == []
        assert "Enter a whole number." in response.content.decode()


class FilterTests:
    """Each filter lists the citation it matches and leaves out the other."""

    @pytest.fixture
    def pair(self):
        """Two citations in different countries, topics and profiles."""
        first = make_citation(
            claim=make_claim(
                section=make_section(
                    profile=make_profile(country=make_country("Firstland"), topic=make_topic("A"))
                )
            ),
            text="Footnote of the first.",
        )
        second = make_citation(
            claim=make_claim(
                section=make_section(
                    profile=make_profile(country=make_country("Secondland"), topic=make_topic("B"))
                )
            ),
            text="Footnote of the second.",
        )
        return first, second

    def get(self, client, **params):
        return listed(client.get(QUEUE, {"state": "all", **params}))

    def test_country(self, checker_client, pair):
        first, _second = pair
        country = first.claim.section.profile.country_id

        assert self.get(checker_client, country=country) == [first]

    def test_topic(self, checker_client, pair):
        _first, second = pair

        assert self.get(checker_client, topic=second.claim.section.profile.topic_id) == [second]

    def test_profile(self, checker_client, pair):
        first, _second = pair

        assert self.get(checker_client, profile=first.claim.section.profile_id) == [first]

    def test_text(self, checker_client, pair):
        _first, second = pair

        assert self.get(checker_client, q="of the second") == [second]

    @pytest.mark.parametrize(
        "state", [ReviewState.VERIFIED, ReviewState.DISPUTED, ReviewState.SOURCE_UNAVAILABLE]
    )
    def test_state(self, checker_client, pair, other_checker, state):
        first, second = pair
        reviewed(first, other_checker, state, "Note.")

        assert listed(checker_client.get(QUEUE, {"state": state})) == [first]
        assert listed(checker_client.get(QUEUE)) == [second]

    def test_not_verified(self, checker_client, pair, other_checker):
        first, second = pair
        reviewed(first, other_checker)

        assert self.get(checker_client, state="not-verified") == [second]

    def test_reviewer(self, checker_client, pair, checker, other_checker):
        first, second = pair
        reviewed(first, other_checker)
        reviewed(second, checker)

        assert self.get(checker_client, reviewer=other_checker.pk) == [first]

    def test_source_kind(self, checker_client, pair):
        first, second = pair
        make_citation_source(citation=first, source=make_source(kind=Source.Kind.EMAIL))
        make_citation_source(citation=second, source=make_source(kind=Source.Kind.STATEMENT))

        assert self.get(checker_client, source_kind="email") == [first]

    def test_source(self, checker_client, pair):
        first, second = pair
        source = make_source(title="The one")
        make_citation_source(citation=first, source=source)
        make_citation_source(citation=second, source=make_source(title="Another"))

        response = checker_client.get(QUEUE, {"state": "all", "source": source.pk})

        assert listed(response) == [first]
        assert "The one" in response.content.decode()

    def test_not_reviewed_for_days_includes_never_reviewed(self, checker_client, pair, checker):
        first, second = pair
        reviewed(first, checker)
        reviewed(second, checker)
        a_year_ago = timezone.now() - datetime.timedelta(days=365)
        Citation.objects.filter(pk=first.pk).update(reviewed_at=a_year_ago)  # no history needed
        never = make_citation(text="Never reviewed.")

        assert self.get(checker_client, not_reviewed_days=90) == [first, never]

    def test_stale_profile(self, checker_client, pair):
        first, second = pair
        today = timezone.localdate()
        first_profile = first.claim.section.profile
        first_profile.last_updated = today - datetime.timedelta(days=800)
        first_profile.save()
        second_profile = second.claim.section.profile
        second_profile.last_updated = today - datetime.timedelta(days=30)
        second_profile.save()

        assert self.get(checker_client, profile_months=12) == [first]

    def test_claims_whose_newest_source_is_older_than_a_date(self, checker_client, pair):
        first, second = pair
        old, recent = datetime.date(2009, 5, 1), datetime.date(2015, 12, 7)
        make_citation_source(citation=first, source=make_source(title="Old", date=old))
        # The second claim cites an old source too, but also a recent one in another footnote.
        make_citation_source(citation=second, source=make_source(title="Old too", date=old))
        also = make_citation(claim=second.claim, text="A later footnote.")
        make_citation_source(citation=also, source=make_source(title="Recent", date=recent))

        assert self.get(checker_client, newest_source_before="2012-01-01") == [first]

    def test_the_date_filter_takes_and_shows_the_sites_date_style(self, checker_client):
        response = checker_client.get(QUEUE, {"newest_source_before": "1 January 2012"})

        assert response.context["valid"]
        assert 'value="1 January 2012"' in response.content.decode()
        assert 'type="date"' not in response.content.decode()


class ProfileFilterTests:
    """The profile is typed, not picked from a list of every profile."""

    @pytest.fixture
    def profiles(self):
        """Mali's and Niger's mine ban profiles, Mali's cluster munition one, and Nigeria's."""
        mine_ban, cluster = make_topic("Mine Ban Policy"), make_topic("Cluster Munition Ban Policy")
        found = {}
        for country, topic in [
            ("Mali", mine_ban),
            ("Mali", cluster),
            ("Niger", mine_ban),
            ("Nigeria", mine_ban),
        ]:
            profile = make_profile(country=make_country(country), topic=topic)
            make_citation(claim=make_claim(section=make_section(profile=profile)))
            found[f"{country} — {topic.name}"] = profile
        return found

    def shown(self, response) -> set[str]:
        return {str(citation.claim.section.profile) for citation in listed(response)}

    def test_the_form_has_a_text_box_not_a_list_of_every_profile(self, checker_client, profiles):
        page = checker_client.get(QUEUE).content.decode()

        assert '<input type="text" name="profile"' in page
        assert '<select name="profile"' not in page
        assert page.count("<option") < 60  # the countries with a profile, topics, states…

    def test_a_profile_named_by_its_number_is_shown_by_its_name(self, checker_client, profiles):
        mali = profiles["Mali — Mine Ban Policy"]

        response = checker_client.get(QUEUE, {"profile": mali.pk})

        assert self.shown(response) == {"Mali — Mine Ban Policy"}
        assert 'name="profile" value="Mali — Mine Ban Policy"' in response.content.decode()

    @pytest.mark.parametrize(
        ("typed", "found"),
        [
            ("Mali/mine ban", {"Mali — Mine Ban Policy"}),
            ("mali — mine ban policy", {"Mali — Mine Ban Policy"}),
            ("Mali", {"Mali — Mine Ban Policy", "Mali — Cluster Munition Ban Policy"}),
            ("Niger/mine", {"Niger — Mine Ban Policy"}),  # named in full: not Nigeria
            ("nigeria", {"Nigeria — Mine Ban Policy"}),
            ("Mal/cluster", {"Mali — Cluster Munition Ban Policy"}),
        ],
    )
    def test_a_profile_typed_as_its_country_and_topic(self, checker_client, profiles, typed, found):
        response = checker_client.get(QUEUE, {"profile": typed})

        assert self.shown(response) == found

    def test_a_country_typed_without_its_accents(self, checker_client):
        profile = make_profile(country=make_country("Côte d'Ivoire", slug="cote-divoire"))
        citation = make_citation(claim=make_claim(section=make_section(profile=profile)))

        assert listed(checker_client.get(QUEUE, {"profile": "cote d'ivoire"})) == [citation]

    @pytest.mark.parametrize(
        ("typed", "error"),
        [
            ("Atlantis", "No profile matches “Atlantis”"),
            ("999999", "No profile matches “999999”"),
            ("i", "matches more than 20 profiles"),
        ],
    )
    def test_what_names_no_profile_or_too_many_is_an_error(
        self, checker_client, profiles, typed, error
    ):
        for number in range(20):
            make_profile(country=make_country(f"Island {number}"))

        response = checker_client.get(QUEUE, {"profile": typed})

        assert not response.context["valid"]
        assert listed(response) == []
        assert error in response.content.decode()


class CountsTests:
    """Counts within a profile, a country or a source come with the page; wider ones, which
    read every citation, come on demand (review-queue.js asks for them)."""

    @pytest.fixture
    def citations(self, other_checker):
        profile = make_profile()
        claim = make_claim(section=make_section(profile=profile))
        found = [make_citation(claim=claim, text=f"Footnote {n}.") for n in range(4)]
        reviewed(found[0], other_checker)
        reviewed(found[1], other_checker, ReviewState.DISPUTED, "Wrong date.")
        return found

    def test_a_wide_selection_comes_without_its_counts(self, checker_client, citations):
        response = checker_client.get(QUEUE, {"state": "all"})

        page = response.content.decode()
        assert response.context["counts"] is None
        assert "of 4 citations" not in page
        assert 'data-counts="?state=all&amp;part=counts"' in page
        assert '<a href="?state=all&amp;count=1" class="review-counts__ask">Count them</a>' in page
        assert listed(response) == citations

    def test_the_counts_alone_on_demand(self, checker_client, citations):
        response = checker_client.get(QUEUE, {"state": "all", "part": "counts"})

        page = " ".join(response.content.decode().split())
        assert page.startswith('<p class="review-counts" id="review-counts">')
        assert "2 unreviewed, 1 disputed of 4 citations in the current filter" in page
        assert 'href="?state=verified"' in page  # the links leave out part=counts
        assert "<html" not in page

    def test_the_page_with_its_counts_when_asked(self, checker_client, citations):
        response = checker_client.get(QUEUE, {"count": "1"})

        page = " ".join(response.content.decode().split())
        assert "2 unreviewed, 1 disputed of 4 citations in the current filter" in page
        assert "Showing 2." in page
        assert listed(response) == citations[2:]

    def test_a_countrys_counts_come_with_the_page(self, checker_client, citations):
        country = citations[0].claim.section.profile.country_id

        response = checker_client.get(QUEUE, {"country": country})

        assert response.context["counts"]["total"] == 4

    def test_the_disputes_count_on_demand(self, client, editor, citations):
        client.force_login(editor)

        page = client.get(DISPUTES).content.decode()
        counted = client.get(DISPUTES, {"part": "counts"}).content.decode()

        assert "Count the disputed citations" in page
        assert "<strong>1 disputed citation</strong> of 4 in the current filter" in counted

    def test_the_counts_need_the_right_to_read_citations(self, client, citations):
        client.force_login(make_user("someone"))

        assert client.get(QUEUE, {"part": "counts"}).status_code == 403


class FilterOptionsTests:
    def test_countries_topics_and_reviewers_are_listed(self, checker_client, other_checker):
        for name, slug in [("Zambia", None), ("Åland Islands", "aland-islands"), ("Chad", None)]:
            make_citation(
                claim=make_claim(
                    section=make_section(
                        profile=make_profile(
                            country=make_country(name, slug=slug), topic=make_topic(f"{name} topic")
                        )
                    )
                )
            )
        reviewed(Citation.objects.first(), other_checker)
        make_country("Nowhere")  # no profile: not an option

        form = checker_client.get(QUEUE).context["filter"].form

        assert [label for _pk, label in form.fields["country"].choices] == [
            "Any country",
            "Åland Islands",
            "Chad",
            "Zambia",
        ]
        assert "Chad topic" in dict(form.fields["topic"].choices).values()
        assert list(form.fields["reviewer"].choices)[1:] == [(other_checker.pk, "second-checker")]

    def test_a_chosen_option_is_selected(self, checker_client, citation):
        country = citation.claim.section.profile.country_id

        page = checker_client.get(QUEUE, {"country": country}).content.decode()

        assert f'<option value="{country}" selected>Testland</option>' in page


class ReviewTests:
    def test_verify_records_reviewer_time_note_and_history(self, checker_client, checker, citation):
        before = timezone.now()

        response = checker_client.post(
            review_url(citation), {"state": "verified", "note": "Checked the statement."}
        )

        assert response.status_code == 302
        citation.refresh_from_db()
        assert citation.review_state == ReviewState.VERIFIED
        assert citation.reviewed_by == checker
        assert citation.reviewed_at >= before
        assert citation.review_note == "Checked the statement."
        record = citation.history.first()
        assert record.history_user == checker
        assert record.review_state == ReviewState.VERIFIED

    def test_dispute_with_a_note(self, checker_client, citation):
        checker_client.post(review_url(citation), {"state": "disputed", "note": "Date is 2012."})

        citation.refresh_from_db()
        assert (citation.review_state, citation.review_note) == ("disputed", "Date is 2012.")

    def test_a_dispute_needs_a_note(self, checker_client, citation):
        response = checker_client.post(review_url(citation), {"state": "disputed"})

        citation.refresh_from_db()
        assert citation.review_state == ReviewState.UNREVIEWED
        assert any("say in the note what is wrong" in m for m in messages_of(response))

    def test_source_unavailable(self, checker_client, citation):
        checker_client.post(review_url(citation), {"state": "source-unavailable"})

        citation.refresh_from_db()
        assert citation.review_state == ReviewState.SOURCE_UNAVAILABLE

    def test_goes_back_to_the_filtered_queue(self, checker_client, citation):
        back = f"{QUEUE}?topic={citation.claim.section.profile.topic_id}&page=1"

        response = checker_client.post(review_url(citation), {"state": "verified", "next": back})

        assert response.url == back

    def test_ignores_a_next_address_on_another_site(self, checker_client, citation):
        response = checker_client.post(
            review_url(citation), {"state": "verified", "next": "https://evil.example/"}
        )

        assert response.url.startswith(QUEUE)

    def test_four_eyes_who_wrote_the_claim_cannot_verify_it(
        self, checker_client, checker, citation
    ):
        claim = citation.claim
        claim.text = "Testland ratified the convention on 2 May 2010."
        claim._history_user = checker
        claim.save()

        response = checker_client.post(review_url(citation), {"state": "verified"})

        citation.refresh_from_db()
        assert citation.review_state == ReviewState.UNREVIEWED
        assert citation.reviewed_by is None
        assert any("another fact-checker must verify it" in m for m in messages_of(response))

    def test_four_eyes_who_wrote_the_footnote_cannot_verify_it(self, checker_client, checker):
        citation = make_citation(text="Written by an editor.")
        citation.text = "Rewritten by the checker."
        citation._history_user = checker
        citation.save()

        queue = checker_client.get(QUEUE)
        checker_client.post(review_url(citation), {"state": "verified"})

        assert "You wrote this text" in row(queue, citation)
        citation.refresh_from_db()
        assert citation.review_state == ReviewState.UNREVIEWED

    def test_who_wrote_the_text_may_still_dispute_it(self, checker_client, checker, citation):
        claim = citation.claim
        claim.text = "Changed by the checker."
        claim._history_user = checker
        claim.save()

        checker_client.post(review_url(citation), {"state": "disputed", "note": "Unsure."})

        citation.refresh_from_db()
        assert citation.review_state == ReviewState.DISPUTED

    def test_a_crafted_post_that_changes_the_text_is_refused(self, checker_client, citation):
        response = checker_client.post(
            review_url(citation),
            {"state": "verified", "note": "", "text": "Rewritten footnote.", "claim": "1"},
        )

        assert response.status_code == 400
        assert "“claim”, “text”" in response.content.decode()
        citation.refresh_from_db()
        assert citation.text == "Statement of Testland, Geneva, 13 September 2011."
        assert citation.review_state == ReviewState.UNREVIEWED
        assert citation.history.count() == 1

    def test_a_field_named_like_the_model_is_refused_too(self, checker_client, citation):
        response = checker_client.post(review_url(citation), {"review_state": "verified"})

        assert response.status_code == 400
        citation.refresh_from_db()
        assert citation.review_state == ReviewState.UNREVIEWED

    def test_an_unknown_state_is_refused(self, checker_client, citation):
        response = checker_client.post(review_url(citation), {"state": "approved"})

        assert response.status_code == 400

    def test_users_who_may_not_review_are_forbidden(self, client, editor, citation):
        client.force_login(editor)

        response = client.post(review_url(citation), {"state": "verified"})

        assert response.status_code == 403
        citation.refresh_from_db()
        assert citation.review_state == ReviewState.UNREVIEWED

    def test_a_post_without_the_csrf_token_is_refused(self, checker, citation):
        client = Client(enforce_csrf_checks=True)
        client.force_login(checker)

        response = client.post(review_url(citation), {"state": "verified"})

        assert response.status_code == 403
        citation.refresh_from_db()
        assert citation.review_state == ReviewState.UNREVIEWED

    def test_reviews_are_posted_not_got(self, checker_client, citation):
        assert checker_client.get(review_url(citation)).status_code == 405

    def test_a_missing_citation_is_not_found(self, checker_client):
        assert checker_client.post(reverse("citations:review", args=[999])).status_code == 404


class BulkReviewTests:
    def test_reviews_the_selected_and_lists_the_refusals(self, checker_client, checker, citation):
        claim = make_claim(text="A claim the checker rewrote.")
        refused = make_citation(claim=claim, text="Footnote of the rewritten claim.")
        claim.text = "A claim the checker rewrote, again."
        claim._history_user = checker
        claim.save()
        other = make_citation(text="Another footnote.")

        response = checker_client.post(
            BULK,
            {
                "citation": [citation.pk, refused.pk, other.pk],
                "state": "verified",
                "note": "Batch.",
                "action": "review",
            },
        )

        assert response.status_code == 302
        states = dict(Citation.objects.values_list("pk", "review_state"))
        assert states == {citation.pk: "verified", refused.pk: "unreviewed", other.pk: "verified"}
        shown = messages_of(response)
        assert "Marked 2 citations verified." in shown
        assert any("Footnote of the rewritten claim." in m and "1 citation" in m for m in shown)

    def test_extra_fields_refuse_the_whole_batch(self, checker_client, citation):
        response = checker_client.post(
            BULK, {"citation": [citation.pk], "state": "verified", "text": "Changed."}
        )

        assert response.status_code == 400
        citation.refresh_from_db()
        assert citation.review_state == ReviewState.UNREVIEWED

    def test_nothing_selected(self, checker_client, citation):
        response = checker_client.post(BULK, {"state": "verified"})

        assert response.status_code == 302
        assert "Select the citations to review first." in messages_of(response)

    def test_users_who_may_not_review_are_forbidden(self, client, editor, citation):
        client.force_login(editor)

        response = client.post(BULK, {"citation": [citation.pk], "state": "verified"})

        assert response.status_code == 403


class InPlaceTests:
    """The queue keeps the fact-checker where they are: each review comes back to the row it
    concerns, without JavaScript too (tests/browser/test_review_queue.py has the browser)."""

    @pytest.fixture
    def rows(self):
        """Three footnotes of one claim, in the queue's order."""
        claim = make_claim(text="Testland destroyed its stockpile in 2014.")
        return [make_citation(claim=claim, text=f"Footnote {n}.") for n in (1, 2, 3)]

    def test_each_row_names_the_row_to_show_after_its_review(self, checker_client, rows):
        first, second, third = rows

        response = checker_client.get(QUEUE)

        assert f'name="then" value="{second.pk}"' in row(response, first)
        assert f'name="then" value="{third.pk}"' in row(response, second)
        # After the last row, the one before it (the last leaves an unreviewed queue).
        assert f'name="then" value="{second.pk}"' in row(response, third)

    def test_a_review_goes_back_to_the_next_row(self, checker_client, rows):
        first, second, _third = rows
        back = f"{QUEUE}?profile={first.claim.section.profile_id}"

        response = checker_client.post(
            review_url(first), {"state": "verified", "next": back, "then": second.pk}
        )

        assert response.url == f"{back}#citation-{second.pk}"

    def test_the_next_row_says_what_was_done_instead_of_the_top_of_the_page(
        self, checker_client, rows
    ):
        first, second, _third = rows
        profile = first.claim.section.profile

        response = checker_client.post(
            review_url(first),
            {"state": "disputed", "note": "Wrong year.", "then": second.pk},
            follow=True,
        )

        done = f"Footnote [1] of {profile} marked disputed."
        assert done in row(response, second)
        assert 'role="status"' in row(response, second)
        assert 'class="messagelist"' not in response.content.decode()

    def test_a_dispute_without_a_note_goes_back_to_its_own_row(self, checker_client, rows):
        _first, second, third = rows
        back = f"{QUEUE}?state=all"

        response = checker_client.post(
            review_url(second), {"state": "disputed", "note": " ", "next": back, "then": third.pk}
        )

        assert response.url == f"{back}#citation-{second.pk}"

    def test_the_refused_row_carries_its_error_beside_the_note_field(self, checker_client, rows):
        _first, second, third = rows

        response = checker_client.post(
            review_url(second), {"state": "disputed", "then": third.pk}, follow=True
        )

        html = row(response, second)
        assert f'<tr id="citation-{second.pk}" class="review-row review-row--error">' in html
        error = html.index(f'id="note-error-{second.pk}"')
        field = html.index(f'<textarea name="note" id="note-{second.pk}"')
        assert error < field
        assert "say in the note what is wrong" in html[error:field]
        assert f'aria-invalid="true" aria-describedby="note-error-{second.pk}"' in html[field:]
        assert "review-row--error" not in row(response, third)
        assert 'class="messagelist"' not in response.content.decode()

    def test_a_refused_verify_is_shown_on_its_row(self, checker_client, checker, rows):
        first, second, _third = rows
        first.text = "Footnote 1, rewritten by the checker."
        first._history_user = checker
        first.save()

        response = checker_client.post(
            review_url(first), {"state": "verified", "then": second.pk}, follow=True
        )

        assert "another fact-checker must verify it" in row(response, first)
        assert "review-row--error" in row(response, first)

    def test_a_message_for_a_row_no_longer_listed_is_shown_above_the_queue(
        self, checker_client, rows
    ):
        first, second, _third = rows
        back = f"{QUEUE}?state=verified"

        response = checker_client.post(
            review_url(first), {"state": "verified", "next": back, "then": second.pk}, follow=True
        )

        page = response.content.decode()
        assert listed(response) == [first]
        assert 'class="messagelist"' in page
        assert "Footnote [1]" in page and "marked verified." in page

    def test_the_row_to_show_next_must_be_a_number(self, checker_client, rows):
        first, _second, _third = rows

        response = checker_client.post(review_url(first), {"state": "verified", "then": "2#top"})

        assert response.status_code == 400
        first.refresh_from_db()
        assert first.review_state == ReviewState.UNREVIEWED

    def test_the_three_actions_are_distinct_buttons(self, checker_client, rows):
        first, _second, _third = rows

        html = row(checker_client.get(QUEUE), first)

        buttons = re.findall(
            r'<button type="submit" name="state" value="([a-z-]+)" class="([^"]+)"', html
        )
        assert buttons == [
            ("verified", "review-action review-action--verify"),
            ("disputed", "review-action review-action--dispute"),
            ("source-unavailable", "review-action review-action--unavailable"),
        ]
        assert "Source unavailable</button>" in html


class DisputesTests:
    def test_editors_read_the_disputes_with_the_notes(self, client, editor, other_checker):
        disputed = make_citation(text="A disputed footnote.")
        reviewed(disputed, other_checker, ReviewState.DISPUTED, "The meeting was in 2012.")
        make_citation(text="An unreviewed footnote.")
        client.force_login(editor)

        response = client.get(DISPUTES)

        assert response.status_code == 200
        assert listed(response) == [disputed]
        page = response.content.decode()
        assert "The meeting was in 2012." in page
        assert admin_url(disputed.claim) in page

    def test_the_state_cannot_be_changed_on_the_disputes_page(self, client, editor, citation):
        client.force_login(editor)

        assert listed(client.get(DISPUTES, {"state": "unreviewed"})) == []

    def test_the_admin_index_links_to_the_queue_and_the_disputes(self, client, editor):
        client.force_login(editor)

        page = client.get(reverse("admin:index")).content.decode()

        assert f'href="{QUEUE}"' in page and f'href="{DISPUTES}"' in page


class CitationAdminTests:
    def test_the_list_shows_and_filters_by_review_state(self, client, editor, other_checker):
        disputed = make_citation(text="Disputed one.")
        reviewed(disputed, other_checker, ReviewState.DISPUTED, "Wrong place.")
        make_citation(text="Unreviewed one.")
        client.force_login(editor)

        response = client.get(admin_url(Citation, "changelist"), {"review_state": "disputed"})

        assert list(response.context["cl"].result_list) == [disputed]
        page = response.content.decode()
        assert "Disputed" in page and "Wrong place." in page and "second-checker" in page

    def test_the_change_form_shows_the_review_read_only_and_never_saves_it(
        self, client, editor, other_checker, citation
    ):
        reviewed(citation, other_checker, ReviewState.DISPUTED, "Wrong place.")
        client.force_login(editor)
        form = client.get(admin_url(citation))
        assert "Wrong place." in form.content.decode()
        assert "review_state" not in form.context["adminform"].form.fields

        data = changeform_data(
            form,
            {
                "position": 1,
                "review_state": "verified",
                "review_note": "Sneaky.",
                "reviewed_by": "",
            },
        )
        response = client.post(admin_url(citation), data)

        assert response.status_code == 302
        citation.refresh_from_db()
        assert (citation.review_state, citation.review_note) == ("disputed", "Wrong place.")
        assert citation.reviewed_by == other_checker


def test_editing_a_rows_footnote_comes_back_to_that_row(editor_client, citation):
    queue = editor_client.get(f"{QUEUE}?state=unreviewed")
    link = re.search(
        r'href="([^"]*)" class="review-row__edit">Edit the footnote', row(queue, citation)
    )
    form_url = link.group(1).replace("&amp;", "&")

    form = editor_client.get(form_url)
    saved = editor_client.post(form_url, changeform_data(form, {"text": "Statement, 2012."}))

    assert saved.status_code == 302
    assert saved["Location"] == f"{QUEUE}?state=unreviewed#citation-{citation.pk}"
