"""The plain-text profile format, without the database: parsing, rendering, round trips."""

import datetime

import pytest

from profiles.textformat import (
    MAX_FOOTNOTES,
    ProfileFormatError,
    in_order,
    parse_profile,
    read_profile_file,
    render_profile,
)
from tests.conftest import FIXTURES
from tests.helpers import comparable

ALL_PROFILES = sorted(FIXTURES.glob("*.txt")) + sorted((FIXTURES / "edge").glob("*.txt"))


@pytest.mark.parametrize("path", ALL_PROFILES, ids=lambda path: path.name)
def test_render_reproduces_every_example(path):
    document = read_profile_file(path)

    assert comparable(render_profile(document)) == comparable(path.read_text())


def test_mali_parses_into_summary_sections_claims_and_footnotes():
    mali = read_profile_file(FIXTURES / "mali-cluster-munition-ban-policy.txt")

    assert (mali.country, mali.topic) == ("Mali", "Cluster Munition Ban Policy")
    assert mali.last_updated == datetime.date(2016, 6, 7)
    assert [(s.kind, s.heading) for s in mali.sections] == [
        ("summary", ""),
        ("body", "Policy"),
        ("body", "Use, production, transfer, and stockpiling"),
    ]
    assert mali.sections[0].claims[0].text.startswith("State Party Mali ratified")
    assert [number for number, _ in mali.footnotes()] == list(range(1, 9))
    assert not mali.compact_footnotes


def test_claims_split_at_markers_and_keep_text_artefacts():
    mali = read_profile_file(FIXTURES / "mali-cluster-munition-ban-policy.txt")
    policy = mali.sections[1]

    assert policy.claims[0].text.startswith("The Republic of Malisigned the Convention")
    second, third = policy.claims[1], policy.claims[2]
    assert second.text.endswith("into domestic law.")
    assert second.paragraph == third.paragraph
    assert third.text.startswith("In 2013, Mali said")
    assert third.separator == " "
    footnote_4 = dict(mali.footnotes())[4]
    assert footnote_4.text.startswith("Implementation of the Convention on Cluster Munitions,”")


def test_footnote_with_commentary_stays_one_footnote():
    mali = read_profile_file(FIXTURES / "mali-cluster-munition-ban-policy.txt")

    footnote_2 = dict(mali.footnotes())[2].text
    assert footnote_2.startswith("Statement of Mali, Convention on Cluster Munitions Fourth")
    assert footnote_2.endswith("(AFISMA).")


def test_older_layout_reads_status_box_sub_heading_and_spaced_markers():
    westmarch = read_profile_file(FIXTURES / "westmarch-cluster-munition-ban-policy.txt")

    assert westmarch.status_box_heading == "Commitment to the Convention on Cluster Munitions"
    assert westmarch.status_box[0] == ("Convention on Cluster Munitions status", "State Party")
    assert len(westmarch.status_box) == 3
    assert [(s.heading, s.level) for s in westmarch.sections] == [
        ("Policy", 1),
        ("Interoperability and transit", 2),
        ("Use, production, transfer, and stockpiling", 1),
    ]
    told = westmarch.sections[0].claims[1]
    assert told.text.endswith("prohibitions of the convention.")
    assert [footnote.marker_spacing for footnote in told.footnotes] == [" ", " "]
    assert westmarch.compact_footnotes
    assert dict(westmarch.footnotes())[5].text == "Ibid."


def test_text_after_the_last_marker_is_a_claim_without_citation():
    westmarch = read_profile_file(FIXTURES / "westmarch-cluster-munition-ban-policy.txt")

    interoperability = westmarch.sections[1]
    assert interoperability.claims[-1].text.startswith("It has not stated a view on transit")
    assert interoperability.claims[-1].footnotes == []


def test_two_paragraph_summary_and_marker_inside_a_sentence():
    eastmarch = read_profile_file(FIXTURES / "edge" / "eastmarch-mine-ban-policy.txt")

    summary = eastmarch.sections[0]
    assert summary.kind == "summary"
    assert {claim.paragraph for claim in summary.claims} == {1, 2}
    policy = eastmarch.sections[1]
    assert policy.claims[0].text.endswith("accession is “under consideration”")
    assert policy.claims[1].text == "but gave no date."
    assert len(policy.claims[1].footnotes) == 2


def profile_text(body: str, footnotes: str) -> str:
    return f"Testland\n\nMine Ban Policy\n\nLast updated: 05 May 2015\n\n{body}\n\n{footnotes}\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(ProfileFormatError) as caught:
        parse_profile(text, filename="testland.txt")
    return [str(problem) for problem in caught.value.problems]


BAD_INPUT = {
    "marker without footnote": (
        profile_text("Policy\n\nOne claim.[1] Two.[2]", "[1] Source one."),
        "testland.txt:9: marker [2] has no footnote [2]",
    ),
    "footnote never cited": (
        profile_text("Policy\n\nOne claim.[1]", "[1] Source one.\n\n[2] Source two."),
        "testland.txt:13: footnote [2] is never cited in the text",
    ),
    "duplicate footnote number": (
        profile_text("Policy\n\nOne.[1] Two.[2]", "[1] One.\n[1] Again.\n[2] Two."),
        "testland.txt:12: footnote [1] appears twice (first on line 11)",
    ),
    "footnote out of order": (
        profile_text("Policy\n\nOne.[1] Two.[2]", "[2] Two.\n[1] One."),
        "testland.txt:11: footnote [2] is out of order: footnote [1] should come next",
    ),
    "marker out of order": (
        profile_text("Policy\n\nOne.[2] Two.[1]", "[1] One.\n[2] Two."),
        "testland.txt:9: marker [1] is out of order: it comes after [2]",
    ),
    "marker used twice": (
        profile_text("Policy\n\nOne.[1] Two.[1]", "[1] One."),
        "testland.txt:9: marker [1] is used twice (first on line 9)",
    ),
    "missing last updated": (
        "Testland\n\nMine Ban Policy\n\nPolicy\n\nOne.[1]\n\n[1] One.\n",
        "testland.txt:5: no “Last updated: DD Month YYYY” line",
    ),
    "unparseable last updated": (
        "Testland\n\nMine Ban Policy\n\nLast updated: 31 Juen 2015\n\nPolicy\n",
        "testland.txt:5: cannot read the date in “Last updated: 31 Juen 2015”",
    ),
    "impossible date": (
        "Testland\n\nMine Ban Policy\n\nLast updated: 31 February 2015\n\nPolicy\n",
        "testland.txt:5: cannot read the date",
    ),
    "empty file": ("\n  \n", "testland.txt: the file is empty"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=str)
def test_bad_input_is_refused_with_line_and_reason(case):
    text, expected = BAD_INPUT[case]

    assert any(problem.startswith(expected) for problem in problems_of(text)), problems_of(text)


def test_every_problem_in_a_file_is_reported_at_once():
    text = profile_text("Policy\n\nOne.[1] Two.[3]", "[1] One.\n[2] Two.")

    assert problems_of(text) == [
        "testland.txt:9: marker [3] has no footnote [3]",
        "testland.txt:12: footnote [2] is never cited in the text",
    ]


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Côte d'Ivoire\n\nMine Ban Policy\n".encode("latin-1"))

    with pytest.raises(ProfileFormatError) as caught:
        read_profile_file(path)

    assert str(caught.value) == (
        f"{path}:1: the file is not UTF-8 text (byte 0xf4 cannot be decoded); "
        "save it as UTF-8 and try again"
    )


def test_windows_line_endings_and_trailing_spaces_are_accepted():
    text = (FIXTURES / "westmarch-cluster-munition-ban-policy.txt").read_text()
    windows = text.replace("\n", "  \r\n")

    assert render_profile(parse_profile(windows)) == render_profile(parse_profile(text))


def test_a_section_heading_followed_by_a_sub_heading_is_not_a_status_box():
    text = profile_text("Policy\n\nTransit\n\nTestland said so.[1]", "[1] Email.")

    document = parse_profile(text)

    assert document.status_box == []
    assert [(s.heading, s.level) for s in document.sections] == [("Policy", 1), ("Transit", 2)]


# Knock-on problems: one mistake, reported once, with what follows from it folded under it.

STRAY_NINE = profile_text(
    "Policy\n\nOne.[1] Two.[2] Stray.[9]\n\nThree.[3] Four.[4]\n\nFive.[5]",
    "[1] One.\n[2] Two.\n[3] Three.\n[4] Four.\n[5] Five.",
)


def refused(text: str) -> ProfileFormatError:
    with pytest.raises(ProfileFormatError) as caught:
        parse_profile(text, filename="testland.txt")
    return caught.value


def grouped(error: ProfileFormatError) -> list[tuple[str, list[str]]]:
    return [(str(real), [str(other) for other in others]) for real, others in error.groups]


def test_a_stray_marker_is_the_one_real_problem_and_the_markers_after_it_its_knock_ons():
    error = refused(STRAY_NINE)

    assert grouped(error) == [
        (
            "testland.txt:9: marker [9] has no footnote [9]",
            [
                "testland.txt:11: marker [3] is out of order: it comes after [9]",
                "testland.txt:11: marker [4] is out of order: it comes after [9]",
                "testland.txt:13: marker [5] is out of order: it comes after [9]",
            ],
        )
    ]
    assert len(error.problems) == 4  # every problem is still there, for whoever wants them


def test_the_message_names_the_real_problem_and_sums_up_its_knock_ons():
    assert str(refused(STRAY_NINE)).splitlines() == [
        "testland.txt:9: marker [9] has no footnote [9]",
        "  (3 more markers are out of order only because of this one: lines 11 and 13)",
    ]


def test_a_stray_marker_whose_footnote_exists_is_named_out_of_order_where_it_stands():
    text = STRAY_NINE.replace("Stray.[9]", "Stray.[4]").replace("Four.[4]", "Four.[4] Again.")

    assert grouped(refused(text)) == [
        (
            "testland.txt:9: marker [4] is out of order: it comes before [3]",
            [
                "testland.txt:11: marker [3] is out of order: it comes after [4]",
                "testland.txt:11: marker [4] is used twice (first on line 9); cite the footnote "
                "again as a new footnote (e.g. “Ibid.”)",
            ],
        )
    ]
    assert str(refused(text)).splitlines()[1] == (
        "  (1 more marker is out of order and 1 more marker is used twice only because of this "
        "one: line 11)"
    )


def test_a_stray_footnote_is_the_one_real_problem_of_the_footnote_list():
    text = profile_text(
        "Policy\n\nOne.[1] Two.[2] Three.[3] Four.[4]",
        "[1] One.\n[2] Two.\n[7] Stray.\n[3] Three.\n[4] Four.",
    )

    assert grouped(refused(text)) == [
        (
            "testland.txt:13: footnote [7] is out of order: footnote [3] should come next",
            [
                "testland.txt:14: footnote [3] is out of order: footnote [8] should come next",
                "testland.txt:15: footnote [4] is out of order: footnote [8] should come next",
            ],
        ),
        ("testland.txt:13: footnote [7] is never cited in the text", []),
    ]


def test_problems_of_their_own_stay_real_after_a_stray_marker():
    text = STRAY_NINE.replace("Five.[5]", "Five.[5] Six.[6]")

    assert [real for real, _others in grouped(refused(text))] == [
        "testland.txt:9: marker [9] has no footnote [9]",
        "testland.txt:13: marker [6] has no footnote [6]",
    ]


@pytest.mark.parametrize(
    ("numbers", "kept"),
    [
        ([1, 2, 9, 3, 4], [True, True, False, True, True]),
        ([2, 1], [True, False]),  # no way to tell: the first stays, as before
        ([1, 3, 2, 4], [True, True, False, True]),
        ([1, 5, 9, 2, 3, 4], [True, False, False, True, True, True]),
        ([1, 5, 9, 2, 3], [True, True, True, False, False]),  # a tie: the earlier run stays
        ([], []),
    ],
)
def test_in_order_keeps_the_longest_growing_run(numbers, kept):
    assert in_order(numbers) == kept


def test_in_order_is_quick_for_the_most_markers_a_profile_may_have():
    numbers = list(range(MAX_FOOTNOTES, 0, -1))

    assert in_order(numbers) == [True] + [False] * (MAX_FOOTNOTES - 1)
