"""Reading the sources a footnote cites (citations.sources): pure functions, no database."""

import datetime

import pytest

from citations import sources
from citations.models import SourceKind
from citations.sources import (
    SourceCandidate,
    ibid_only,
    parse_footnote,
    parse_source_date,
    source_key,
    split_sentences,
)
from profiles.textformat import read_profile_file
from tests.conftest import FIXTURES

date = datetime.date
LOME = "Lomé Regional Seminar on the Universalization of the Convention on Cluster Munitions"
CCM = "Convention on Cluster Munitions"
MISSION = "Permanent Mission of Westmarch to the UN in Geneva"


def footnotes(name: str) -> list[str]:
    document = read_profile_file(FIXTURES / name)
    return [footnote.text for claim in document.claims() for footnote in claim.footnotes]


def read(text: str, country: str = "") -> list[dict]:
    """The fields each candidate fills (empty ones left out)."""
    return [
        {name: value for name, value in vars(candidate).items() if value and name != "text"}
        for candidate in parse_footnote(text, country=country)
    ]


def statement(author, event, place, day, notes_by=""):
    fields = {"kind": "statement", "author": author, "event": event, "date": day}
    fields.update({"place": place} if place else {})
    fields.update({"notes_by": notes_by} if notes_by else {})
    return fields


MALI = [
    # [1] opens with commentary.
    [
        statement(
            "Mali",
            f"{CCM} Intersessional Meeting, Session on Victim Assistance",
            "Geneva",
            date(2011, 6, 28),
            "the CMC",
        )
    ],
    # [2] "See also", then commentary; the notes are AOAV's for the seminar only.
    [
        statement("Mali", f"{CCM} Fourth Meeting of States Parties", "Lusaka", date(2013, 9, 11)),
        statement("Mali", LOME, "Lomé, Togo", date(2013, 5, 23), "Action on Armed Violence (AOAV)"),
    ],
    # [3] a publication after a lead-in, with a month for a date and a pinpoint.
    [
        {
            "kind": "publication",
            "author": "Human Rights Watch and Landmine Action",
            "title": "Banning Cluster Munitions: Government Policy and Practice",
            "place": "Ottawa",
            "publisher": "Mines Action Canada",
            "date": date(2009, 5, 1),
            "pinpoint": "pp. 115–116",
        }
    ],
    # [4] a resolution whose opening quote was lost in publishing.
    [
        {
            "kind": "resolution",
            "organisation": "UNGA",
            "title": f"Implementation of the {CCM}",
            "date": date(2015, 12, 7),
        }
    ],
    # [5] no place: Dublin is named only inside the conference's name.
    [
        statement(
            "Mali",
            "Committee of the Whole on Article 1, Dublin Diplomatic Conference on Cluster "
            "Munitions",
            "",
            date(2008, 5, 27),
            "Landmine Action",
        )
    ],
    # [6] three statements; "Notes by the CMC" covers the two since "Notes by AOAV".
    [
        statement("Mali", LOME, "Lomé, Togo", date(2013, 5, 22), "AOAV"),
        statement(
            "Mali", f"{CCM} Third Meeting of States Parties", "Oslo", date(2012, 9, 12), "the CMC"
        ),
        statement(
            "Mali",
            f"{CCM} First Meeting of States Parties",
            "Vientiane",
            date(2010, 11, 10),
            "the CMC",
        ),
    ],
    # [7]
    [
        {
            "kind": "email",
            "author": "Amadou Maiga",
            "organisation": "West African Journalists for Security and Development Network",
            "date": date(2010, 7, 19),
        }
    ],
    # [8] the first statement of [6] again.
    [statement("Mali", LOME, "Lomé, Togo", date(2013, 5, 22), "AOAV")],
]

WESTMARCH = [
    # [1] the position held ("Counsellor") is neither author nor organisation.
    [
        {
            "kind": "email",
            "author": "Tomas Greave",
            "organisation": MISSION,
            "date": date(2012, 6, 14),
        }
    ],
    # [2] commentary after the notes.
    [
        statement(
            "Westmarch",
            f"{CCM} Second Meeting of States Parties",
            "Beirut",
            date(2011, 9, 13),
            "the CMC",
        )
    ],
    # [3] the country's own report: its author is the profile's country.
    [
        {
            "kind": "treaty-report",
            "author": "Westmarch",
            "title": f"{CCM} Article 7 Report",
            "date": date(2012, 3, 28),
            "pinpoint": "Form A",
        }
    ],
    # [4] the notes are the statement's, not the letter's that follows.
    [
        statement(
            "Westmarch",
            f"{CCM} Intersessional Meetings",
            "Geneva",
            date(2012, 4, 17),
            "the CMC",
        ),
        {
            "kind": "letter",
            "author": "Tomas Greave",
            "organisation": MISSION,
            "date": date(2012, 5, 2),
        },
    ],
    # [5]
    [{"kind": "other", "ibid": True}],
]

EASTMARCH = [
    [
        statement(
            "Eastmarch",
            "UN General Assembly First Committee",
            "New York",
            date(2014, 10, 28),
            "the ICBL",
        )
    ],
    [{"kind": "other", "ibid": True}],
    # [3] the recipient and the minister's position are not stored.
    [
        {"kind": "letter", "author": "Ana Vell", "date": date(2015, 2, 3)},
        {
            "kind": "email",
            "author": "Piet Orm",
            "organisation": "Ministry of Defence",
            "date": date(2015, 2, 12),
        },
    ],
    # [4] "in Eastmarch City" is the place; the sentence after it is commentary.
    [
        {
            "kind": "interview",
            "author": "Piet Orm",
            "organisation": "Ministry of Defence",
            "place": "Eastmarch City",
            "date": date(2015, 2, 10),
        }
    ],
    [{"kind": "other", "ibid": True}],
    [{"kind": "email", "author": "Piet Orm", "date": date(2015, 2, 12)}],
    [{"kind": "letter", "author": "Ana Vell", "date": date(2015, 2, 3)}],
    # [8] a year is not a date.
    [{"kind": "publication", "title": "Landmine Monitor Report 2014", "pinpoint": "p. 12"}],
    [{"kind": "other", "ibid": True}],
]


@pytest.mark.parametrize(
    ("name", "country", "expected"),
    [
        ("mali-cluster-munition-ban-policy.txt", "Mali", MALI),
        ("westmarch-cluster-munition-ban-policy.txt", "Westmarch", WESTMARCH),
        ("edge/eastmarch-mine-ban-policy.txt", "Eastmarch", EASTMARCH),
    ],
    ids=["mali", "westmarch", "eastmarch"],
)
def test_every_footnote_of_the_examples(name, country, expected):
    texts = footnotes(name)
    assert len(texts) == len(expected)

    for number, (text, cited) in enumerate(zip(texts, expected, strict=True), 1):
        assert read(text, country) == cited, f"[{number}] {text}"


def test_the_same_statement_in_two_footnotes_has_one_key():
    mali = footnotes("mali-cluster-munition-ban-policy.txt")
    six, eight = parse_footnote(mali[5]), parse_footnote(mali[7])

    assert source_key(six[0]) == source_key(eight[0])
    assert len({source_key(candidate) for candidate in six}) == 3


def test_the_same_seminar_on_another_day_is_another_source():
    mali = footnotes("mali-cluster-munition-ban-policy.txt")

    assert source_key(parse_footnote(mali[1])[1]) != source_key(parse_footnote(mali[7])[0])


def test_the_key_ignores_case_accents_punctuation_and_place():
    plain = parse_footnote("Statement of Mali, Lome regional seminar, Lomé, 22 May 2013.")[0]
    styled = parse_footnote("statement of MALI, Lomé Regional Seminar, Togo, 22 May 2013")[0]

    assert (
        source_key(plain) == source_key(styled) == "statement|mali|lome regional seminar|2013-05-22"
    )


def test_an_email_is_one_source_with_or_without_the_senders_organisation():
    short = parse_footnote("Email from Piet Orm, 12 February 2015.")[0]
    full = parse_footnote("Email from Piet Orm, Ministry of Defence, 12 February 2015.")[0]

    assert source_key(short) == source_key(full)


def test_footnote_texts_are_only_read():
    text = "Statement of Mali, Fourth Meeting, Lusaka, 11 September 2013. Notes by the CMC."
    candidate = parse_footnote(text)[0]

    assert candidate.text == "Statement of Mali, Fourth Meeting, Lusaka, 11 September 2013"
    assert text == "Statement of Mali, Fourth Meeting, Lusaka, 11 September 2013. Notes by the CMC."


class NotesByTests:
    def test_notes_cover_the_statements_since_the_previous_notes(self):
        text = (
            "Statement of A, Meeting, 1 May 2013. Notes by X; statement of B, Meeting, "
            "2 May 2013; and statement of C, Meeting, 3 May 2013. Notes by Y."
        )

        assert [c.notes_by for c in parse_footnote(text)] == ["X", "Y", "Y"]

    def test_a_new_sentence_starts_a_new_list(self):
        text = (
            "Statement of A, Meeting, 1 May 2013. See also statement of B, Meeting, 2 May 2013. "
            "Notes by Y."
        )

        assert [c.notes_by for c in parse_footnote(text)] == ["", "Y"]

    def test_notes_never_reach_forward_or_past_commentary(self):
        text = (
            "Statement of A, Meeting, 1 May 2013. A said more later. Notes by Y; "
            "and letter from B, 2 May 2013."
        )

        assert [c.notes_by for c in parse_footnote(text)] == ["", ""]

    def test_notes_cover_an_email_they_follow_but_not_one_before_it(self):
        text = "Email from B, 1 May 2013; and statement of A, Meeting, 2 May 2013. Notes by Y."

        assert [c.notes_by for c in parse_footnote(text)] == ["", "Y"]


class IbidTests:
    def test_ibid_is_left_to_the_caller(self):
        assert parse_footnote("Ibid.") == [SourceCandidate(ibid=True, text="Ibid")]

    def test_ibid_with_its_own_pinpoint(self):
        [candidate] = parse_footnote("Ibid., p. 5.")

        assert (candidate.ibid, candidate.pinpoint) == (True, "p. 5")
        assert ibid_only("Ibid., p. 5.").pinpoint == "p. 5"

    def test_ibid_only_is_none_for_a_footnote_with_more(self):
        assert ibid_only("Ibid. See also email from B, 1 May 2013.") is None
        assert ibid_only("Email from B, 1 May 2013.") is None


class DateTests:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("22 May 2013", date(2013, 5, 22)),
            ("May 22, 2013", date(2013, 5, 22)),
            ("May 2009", date(2009, 5, 1)),
            ("3–5 December 2013", date(2013, 12, 3)),
            ("30 November–2 December 2013", date(2013, 11, 30)),
            ("2009", None),
            ("31 February 2013", None),
            ("Spring 2013", None),
        ],
    )
    def test_dates(self, text, expected):
        assert parse_source_date(text) == expected


class OtherKindsTests:
    def test_a_speakers_position_is_not_the_event(self):
        [candidate] = parse_footnote(
            "Statement by Amb. Jean Dupont, Permanent Representative of France to the "
            "Conference on Disarmament, CCW Group of Governmental Experts, Geneva, 9 April 2013."
        )

        assert (candidate.author, candidate.event, candidate.place) == (
            "Amb. Jean Dupont",
            "CCW Group of Governmental Experts",
            "Geneva",
        )

    def test_a_response_to_the_questionnaire(self):
        [candidate] = parse_footnote(
            "Response to Monitor questionnaire by Col. Ibrahim Diallo, Ministry of Defence, "
            "3 May 2011."
        )

        assert (candidate.kind, candidate.title, candidate.author, candidate.organisation) == (
            "other",
            "Response to Monitor questionnaire",
            "Col. Ibrahim Diallo",
            "Ministry of Defence",
        )

    def test_a_titled_work_by_an_organisation(self):
        [candidate] = parse_footnote(
            "Human Rights Watch, “Mali: Army Uses Cluster Munitions,” 12 June 2012."
        )

        assert (candidate.kind, candidate.author, candidate.title, candidate.date) == (
            "publication",
            "Human Rights Watch",
            "Mali: Army Uses Cluster Munitions",
            date(2012, 6, 12),
        )

    def test_a_resolution_without_a_title_is_named_by_its_designation(self):
        [candidate] = parse_footnote("UNGA Resolution 70/54, 7 December 2015.")

        assert (candidate.kind, candidate.title) == ("resolution", "UNGA Resolution 70/54")

    def test_a_treaty_report_names_no_author_without_a_country(self):
        [candidate] = parse_footnote(
            "Mine Ban Treaty Article 7 Report (for calendar year 2014), Form J."
        )

        assert candidate.author == ""
        assert candidate.title == "Mine Ban Treaty Article 7 Report (for calendar year 2014)"
        assert (candidate.date, candidate.pinpoint) == (None, "Form J")

    def test_a_news_article(self):
        [candidate] = parse_footnote(
            "“Mali to destroy its stockpile,” Agence France-Presse, 3 May 2013."
        )

        assert (candidate.kind, candidate.title, candidate.publisher, candidate.date) == (
            "news",
            "Mali to destroy its stockpile",
            "Agence France-Presse",
            date(2013, 5, 3),
        )

    def test_a_web_page_with_its_address_and_access_date(self):
        [candidate] = parse_footnote(
            "Campaign, “Country profile,” http://www.example.org/mali (accessed 5 June 2016)."
        )

        assert candidate.kind == "web-page"
        assert candidate.title == "Country profile"
        assert candidate.url == "http://www.example.org/mali"
        assert candidate.accessed_on == date(2016, 6, 5)

    @pytest.mark.parametrize(
        "text",
        [
            "Mali has not submitted an Article 7 report since 2012.",
            "Mali voted for UNGA Resolution 70/54 in 2015.",
            "In January 2012, an armed conflict began in the north.",
            "He added that a “working group” had been formed.",
            "Mali said “it will join,” 3 May 2013.",
        ],
    )
    def test_commentary_is_no_source(self, text):
        assert parse_footnote(text) == []


def test_sentences_do_not_end_at_abbreviations_or_initials():
    text = "Statement of Amb. J. Smith, U.S. Mission, p. 4. Notes by the CMC. Form A. See also."

    assert split_sentences(text) == [
        "Statement of Amb. J. Smith, U.S. Mission, p. 4.",
        "Notes by the CMC.",
        "Form A.",
        "See also.",
    ]


def test_kinds_are_source_kinds():
    kinds = [
        sources.STATEMENT,
        sources.EMAIL,
        sources.LETTER,
        sources.INTERVIEW,
        sources.TREATY_REPORT,
        sources.RESOLUTION,
        sources.PUBLICATION,
        sources.NEWS,
        sources.WEB_PAGE,
        sources.OTHER,
    ]

    assert sorted(kinds) == sorted(SourceKind.values)
