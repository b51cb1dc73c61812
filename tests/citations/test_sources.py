"""The source library: the importer links footnotes to sources stored once; the admin shows
where each source is cited."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from citations.models import Citation, CitationSource, Source
from citations.services import citations_link_sources
from citations.sources import source_digest
from profiles.importing import profile_import
from profiles.textformat import parse_profile
from tests.conftest import EASTMARCH, MALI, WESTMARCH
from tests.factories import import_profiles, import_text, make_user
from tests.helpers import admin_url, comparable, count_queries, export, history_count

pytestmark = pytest.mark.django_db

LOME = "Lomé Regional Seminar on the Universalization of the Convention on Cluster Munitions"


def footnote(profile: str, number: int) -> Citation:
    """The profile's footnote [number], counted in reading order."""
    citations = Citation.objects.filter(claim__section__profile__country__slug=profile).order_by(
        "claim__section__position", "claim__position", "position"
    )
    return list(citations)[number - 1]


def cited(citation: Citation) -> list[tuple[Source, str]]:
    return [(link.source, link.pinpoint) for link in citation.source_links.order_by("position")]


class ImportTests:
    def test_importing_links_each_footnote_to_its_sources(self):
        import_profiles(MALI)

        [(statement, pinpoint)] = cited(footnote("mali", 1))
        assert (statement.kind, statement.author, statement.place) == (
            "statement",
            "Mali",
            "Geneva",
        )
        assert (statement.date, statement.notes_by, pinpoint) == (
            datetime.date(2011, 6, 28),
            "the CMC",
            "",
        )
        [(publication, pinpoint)] = cited(footnote("mali", 3))
        assert (publication.kind, publication.publisher, pinpoint) == (
            "publication",
            "Mines Action Canada",
            "pp. 115–116",
        )
        assert [source.date for source, _pinpoint in cited(footnote("mali", 6))] == [
            datetime.date(2013, 5, 22),
            datetime.date(2012, 9, 12),
            datetime.date(2010, 11, 10),
        ]
        [(email, _pinpoint)] = cited(footnote("mali", 7))
        assert (email.kind, email.author) == ("email", "Amadou Maiga")
        assert Source.objects.count() == 10
        assert CitationSource.objects.count() == 11

    def test_the_same_statement_cited_twice_is_one_source(self):
        import_profiles(MALI)

        [(seminar, _pinpoint)] = cited(footnote("mali", 8))
        assert seminar == cited(footnote("mali", 6))[0][0]
        assert (seminar.event, seminar.notes_by) == (LOME, "AOAV")
        assert Source.objects.filter(event=LOME, date=datetime.date(2013, 5, 22)).count() == 1
        assert set(seminar.citations.all()) == {footnote("mali", 6), footnote("mali", 8)}

    def test_a_source_is_shared_across_profiles(self):
        import_profiles(MALI)
        text = (
            "Testland\n\nMine Ban Policy\n\nLast updated: 05 May 2015\n\nPolicy\n\n"
            "Mali spoke in Lomé.[1]\n\n[1] See also, statement of Mali, "
            f"{LOME}, Lomé, Togo, 22 May 2013.\n"
        )

        import_text(text, "testland.txt")

        [(seminar, _pinpoint)] = cited(footnote("testland", 1))
        assert seminar == cited(footnote("mali", 8))[0][0]

    def test_ibid_links_to_the_previous_footnotes_last_source(self):
        import_profiles(WESTMARCH, EASTMARCH)

        letter = cited(footnote("westmarch", 4))[-1]
        assert letter[0].kind == "letter"
        assert cited(footnote("westmarch", 5)) == [letter]
        assert cited(footnote("eastmarch", 9)) == cited(footnote("eastmarch", 8))
        assert cited(footnote("eastmarch", 9))[0][1] == "p. 12"

    def test_sources_and_links_record_the_user_and_the_reason(self):
        editor = make_user("importer")

        profile_import(document=parse_profile(MALI.read_text(), filename=MALI.name), user=editor)

        for model in (Source, CitationSource):
            records = model.history.all()
            assert records.count() == model.objects.count()
            assert {record.history_user for record in records} == {editor}
            assert {record.history_change_reason for record in records} == {
                f"Imported from {MALI.name}"
            }

    def test_an_editors_source_is_reused_and_its_blanks_filled(self):
        source = Source.objects.create(
            kind=Source.Kind.STATEMENT,
            author="Mali",
            event=LOME,
            date=datetime.date(2013, 5, 22),
            url="https://example.org/lome",
        )

        import_profiles(MALI)

        source.refresh_from_db()
        assert cited(footnote("mali", 8))[0][0] == source
        assert (source.place, source.notes_by, source.url) == (
            "Lomé, Togo",
            "AOAV",
            "https://example.org/lome",
        )
        assert source.history.latest().history_change_reason == f"Imported from {MALI.name}"

    def test_footnote_texts_are_unchanged(self):
        import_profiles(MALI, WESTMARCH, EASTMARCH)

        assert comparable(export("mali", "cluster-munition-ban-policy")) == comparable(
            MALI.read_text()
        )
        assert comparable(export("westmarch", "cluster-munition-ban-policy")) == comparable(
            WESTMARCH.read_text()
        )
        assert comparable(export("eastmarch", "mine-ban-policy")) == comparable(
            EASTMARCH.read_text()
        )


class ReimportTests:
    def test_reimporting_an_unchanged_file_writes_no_history(self):
        import_profiles(MALI, WESTMARCH, EASTMARCH)
        before = (history_count(), Source.objects.count(), CitationSource.objects.count())

        output = import_profiles(MALI, WESTMARCH, EASTMARCH)

        assert (history_count(), Source.objects.count(), CitationSource.objects.count()) == before
        assert output.count("is unchanged") == 3

    def test_a_changed_footnote_is_relinked_and_the_old_source_kept(self):
        import_profiles(MALI)
        citation = footnote("mali", 7)
        [(old_email, _pinpoint)] = cited(citation)
        changed = MALI.read_text().replace("Network, 19 July 2010.", "Network, 20 July 2010.")

        output = import_text(changed, MALI.name)

        [(new_email, _pinpoint)] = cited(footnote("mali", 7))
        assert new_email.date == datetime.date(2010, 7, 20)
        assert Source.objects.filter(pk=old_email.pk).exists()
        link = citation.source_links.get()
        assert [record.history_type for record in link.history.all()] == ["~", "+"]
        assert "1 source links changed" in output
        assert "1 sources created" in output

    def test_a_footnote_citing_fewer_sources_loses_its_extra_links(self):
        import_profiles(MALI)
        changed = MALI.read_text().replace(
            "; and statement of Mali, Convention on Cluster Munitions First Meeting of States "
            "Parties, Vientiane, 10 November 2010",
            "",
        )

        import_text(changed, MALI.name)

        assert len(cited(footnote("mali", 6))) == 2
        removed = CitationSource.history.get(history_type="-")
        assert removed.position == 3
        assert removed.history_change_reason == f"Imported from {MALI.name}"

    def test_an_unchanged_ibid_follows_the_footnote_before_it(self):
        import_profiles(WESTMARCH)
        changed = WESTMARCH.read_text().replace("2 May 2012.", "3 May 2012.")

        import_text(changed, WESTMARCH.name)

        letter = cited(footnote("westmarch", 4))[-1]
        assert letter[0].date == datetime.date(2012, 5, 3)
        assert cited(footnote("westmarch", 5)) == [letter]

    def test_a_changed_footnote_with_no_readable_source_keeps_its_links(self):
        import_profiles(MALI)
        before = cited(footnote("mali", 1))
        changed = MALI.read_text().replace(
            "Statement of Mali, Convention on Cluster Munitions Intersessional Meeting, Session "
            "on Victim Assistance, Geneva, 28 June 2011. Notes by the CMC.",
            "Mali told the intersessional meeting in Geneva so.",
        )

        import_text(changed, MALI.name)

        assert footnote("mali", 1).text.endswith(
            "Mali told the intersessional meeting in Geneva so."
        )
        assert cited(footnote("mali", 1)) == before

    def test_an_editors_links_on_an_unchanged_footnote_are_kept(self):
        import_profiles(MALI)
        citation = footnote("mali", 2)
        citation.source_links.filter(position=1).delete()

        import_text(MALI.read_text().replace("07 June 2016", "08 June 2016"), MALI.name)

        assert [link.position for link in citation.source_links.all()] == [2]


class QueryTests:
    def link_all(self, profile: str) -> int:
        """Link a profile's footnotes from an empty library; return the queries taken."""
        CitationSource.objects.all().delete()
        Source.objects.all().delete()
        citations = Citation.objects.filter(claim__section__profile__country__slug=profile)
        with CaptureQueriesContext(connection) as queries:
            citations_link_sources(citations=list(citations))
        return len(queries)

    def test_linking_takes_the_same_queries_however_many_footnotes(self):
        import_profiles(WESTMARCH, EASTMARCH)
        westmarch = self.link_all("westmarch")  # 5 footnotes, 5 new sources

        assert self.link_all("eastmarch") == westmarch  # 9 footnotes, 5 new sources

    def test_nothing_to_link_takes_no_query(self):
        with CaptureQueriesContext(connection) as queries:
            assert citations_link_sources(citations=[]) == {}

        assert len(queries) == 0


class KeyTests:
    def test_the_key_follows_an_editors_changes(self):
        source = Source.objects.create(kind=Source.Kind.EMAIL, author="Piet Orm")
        source.date = datetime.date(2015, 2, 12)
        source.save(update_fields=["date"])

        source.refresh_from_db()
        assert source.key == source_digest(source)
        assert not hasattr(source.history.first(), "key")


class AdminTests:
    def test_the_source_page_lists_where_it_is_cited(self, admin_client):
        import_profiles(MALI)
        six, eight = footnote("mali", 6), footnote("mali", 8)
        [(seminar, _pinpoint)] = cited(eight)

        page = admin_client.get(admin_url(seminar)).content.decode()

        assert "Cluster Munition Ban Policy" in page
        assert f'<a href="{admin_url(six)}">[6]</a>' in page
        assert f'<a href="{admin_url(eight)}">[8]</a>' in page
        assert f'href="{admin_url(six.claim)}">Mali has stated several times' in page
        assert f'href="{admin_url(eight.claim)}">In May 2013, a government official' in page

    def test_the_source_page_queries_do_not_grow_with_citations(self, admin_client):
        import_profiles(MALI)
        [(seminar, _pinpoint)] = cited(footnote("mali", 8))
        url = admin_url(seminar)
        few = count_queries(admin_client, url)
        import_text(
            "Testland\n\nMine Ban Policy\n\nLast updated: 05 May 2015\n\nPolicy\n\n"
            f"It spoke.[1] Again.[2]\n\n[1] Statement of Mali, {LOME}, Lomé, Togo, 22 May 2013.\n\n"
            "[2] Ibid.\n",
            "testland.txt",
        )

        assert seminar.citations.count() == 4
        assert count_queries(admin_client, url) == few

    def test_the_list_counts_citations_and_filters_by_notes_taker_and_use(self, admin_client):
        import_profiles(MALI)
        unused = Source.objects.create(kind=Source.Kind.OTHER, title="Unused")
        url = admin_url(Source, "changelist")

        by_aoav = admin_client.get(url, {"notes_by": "AOAV"}).context["cl"].result_list
        not_cited = admin_client.get(url, {"cited": "no"}).context["cl"].result_list
        nobody = admin_client.get(url, {"notes_by": "-"}).context["cl"].result_list

        assert [(source.event, source.citation_count) for source in by_aoav] == [(LOME, 2)]
        assert list(not_cited) == [unused]
        assert unused in nobody
        assert all(source.notes_by == "" for source in nobody)
