"""compare_snapshots: what changed between two editions, on plain snapshots (no database)."""

import copy

from profiles.compare import (
    ADDED,
    CHANGED,
    DELETE,
    EQUAL,
    INSERT,
    MOVED,
    REMOVED,
    FieldChange,
    Renumbering,
    Segment,
    compare_snapshots,
    diff_words,
)


def snapshot(*sections, footnotes=(), last_updated="2016-06-07", status_box=()):
    """Build a snapshot from (heading, [paragraph, …]) pairs and footnote texts.

    A paragraph is a string (one claim) or a list of claim texts. Footnotes are numbered in
    order; claims cite none, as the comparison reads footnotes from their own list.
    """
    return {
        "country": {"name": "Testland", "slug": "testland"},
        "topic": {"name": "Cluster Munition Ban Policy", "slug": "cluster-munition-ban-policy"},
        "treaty_status": {
            "status": "state-party",
            "status_label": "State party",
            "signed_on": "2008-12-03",
            "joined_on": "2010-06-30",
            "joined_by": "ratification",
            "in_force_on": None,
        },
        "last_updated": last_updated,
        "status_box_heading": "Commitment" if status_box else "",
        "status_box": [list(row) for row in status_box],
        "sections": [
            {
                "kind": "summary" if heading is None else "body",
                "heading": heading or "",
                "level": 1,
                "anchor": (heading or "summary").lower(),
                "claims": [
                    {"text": text, "paragraph": number, "separator": " ", "footnotes": []}
                    for number, paragraph in enumerate(paragraphs, start=1)
                    for text in ([paragraph] if isinstance(paragraph, str) else paragraph)
                ],
            }
            for heading, paragraphs in sections
        ],
        "footnotes": [
            {"number": number, "text": text, "marker_spacing": ""}
            for number, text in enumerate(footnotes, start=1)
        ],
    }


POLICY = ("Policy", ["Testland signed the convention.", "It has attended every meeting."])
USE = ("Use", ["Testland has never used cluster munitions."])
NOTES = ["Statement of Testland, 1 May 2013.", "Email from an official, 2 May 2013."]


def test_diff_words_marks_inserted_and_deleted_words():
    segments = diff_words("It has attended every meeting.", "It has attended nearly all meetings.")

    assert segments == [
        Segment(EQUAL, "It has attended "),
        Segment(DELETE, "every meeting."),
        Segment(INSERT, "nearly all meetings."),
    ]


def test_diff_words_segments_join_back_into_both_texts():
    old, new = "Notes by the CMC.  See also [4].", "Notes by AOAV. See also [4], [5]."

    segments = diff_words(old, new)

    assert "".join(s.text for s in segments if s.kind != INSERT) == old
    assert "".join(s.text for s in segments if s.kind != DELETE) == new


def test_identical_editions_have_no_changes():
    edition = snapshot(POLICY, USE, footnotes=NOTES)

    comparison = compare_snapshots(edition, copy.deepcopy(edition))

    assert not comparison.has_changes


def test_header_changes():
    old = snapshot(POLICY, status_box=[("Status", "Signatory")])
    new = snapshot(POLICY, last_updated="2017-08-01", status_box=[("Status", "State Party")])
    new["treaty_status"]["in_force_on"] = "2010-12-01"

    header = compare_snapshots(old, new).header

    assert header == [
        FieldChange("Last updated", "7 June 2016", "1 August 2017"),
        FieldChange(
            "Treaty status",
            "State party · signed 3 December 2008 · ratified 30 June 2010",
            "State party · signed 3 December 2008 · ratified 30 June 2010 · "
            "entry into force 1 December 2010",
        ),
        FieldChange("Status", "Signatory", "State Party"),
    ]


def test_a_changed_paragraph_is_diffed_word_by_word():
    edited = ("Policy", ["Testland signed the convention.", "It has attended most meetings."])

    (section,) = compare_snapshots(snapshot(POLICY), snapshot(edited)).sections

    assert (section.kind, section.title, section.anchor) == (CHANGED, "Policy", "policy")
    (paragraph,) = section.paragraphs
    assert paragraph.kind == CHANGED
    assert Segment(DELETE, "every meeting.") in paragraph.segments
    assert Segment(INSERT, "most meetings.") in paragraph.segments


def test_claims_of_a_paragraph_are_compared_as_one_text():
    old = snapshot(("Policy", [["Testland signed.", "It ratified."]]))
    new = snapshot(("Policy", [["Testland signed.", "It ratified in 2010."]]))

    (section,) = compare_snapshots(old, new).sections

    assert section.paragraphs[0].segments == [
        Segment(EQUAL, "Testland signed. It "),
        Segment(DELETE, "ratified."),
        Segment(INSERT, "ratified in 2010."),
    ]


def test_added_and_removed_paragraphs():
    old = snapshot(("Policy", ["Kept paragraph.", "Dropped paragraph about transit."]))
    new = snapshot(("Policy", ["A new first paragraph on stockpiles.", "Kept paragraph."]))

    (section,) = compare_snapshots(old, new).sections

    assert [(p.kind, p.segments) for p in section.paragraphs] == [
        (ADDED, [Segment(INSERT, "A new first paragraph on stockpiles.")]),
        (REMOVED, [Segment(DELETE, "Dropped paragraph about transit.")]),
    ]


def test_sections_added_removed_and_moved_are_matched_by_heading():
    old = snapshot((None, ["Summary."]), POLICY, USE, ("Transfer", ["None known."]))
    new = snapshot((None, ["Summary."]), USE, POLICY, ("Stockpiling", ["None held."]))

    sections = compare_snapshots(old, new).sections

    assert [(s.kind, s.title) for s in sections] == [
        (MOVED, "Use"),
        (REMOVED, "Transfer"),
        (ADDED, "Stockpiling"),
    ]
    assert sections[0].paragraphs == []
    assert sections[2].paragraphs[0].segments == [Segment(INSERT, "None held.")]


def test_an_inserted_footnote_renumbers_the_ones_after_it():
    old = snapshot(POLICY, footnotes=["First.", "Second.", "Third.", "Fourth."])
    new = snapshot(
        POLICY, footnotes=["First.", "New source, 2017.", "Second.", "Third.", "Fourth."]
    )

    comparison = compare_snapshots(old, new)

    assert [(f.kind, f.old_number, f.new_number) for f in comparison.footnotes] == [
        (ADDED, None, 2)
    ]
    assert comparison.renumbered == [Renumbering(2, 3, 3)]
    assert str(comparison.renumbered[0]) == "[2]–[4] are now [3]–[5]"


def test_a_removed_footnote_and_a_single_renumbering():
    comparison = compare_snapshots(
        snapshot(POLICY, footnotes=["Dropped source.", "Kept source."]),
        snapshot(POLICY, footnotes=["Kept source."]),
    )

    assert [(f.kind, f.old_number) for f in comparison.footnotes] == [(REMOVED, 1)]
    assert [str(run) for run in comparison.renumbered] == ["[2] is now [1]"]


def test_an_edited_footnote_is_matched_by_similar_text():
    new_notes = [NOTES[0], "Email from an unnamed official, 2 May 2013."]

    comparison = compare_snapshots(
        snapshot(POLICY, footnotes=NOTES), snapshot(POLICY, footnotes=new_notes)
    )

    (change,) = comparison.footnotes
    assert (change.kind, change.old_number, change.new_number) == (CHANGED, 2, 2)
    assert change.segments == [
        Segment(EQUAL, "Email from an "),
        Segment(INSERT, "unnamed "),
        Segment(EQUAL, "official, 2 May 2013."),
    ]


def test_unrelated_footnotes_are_removed_and_added_not_changed():
    comparison = compare_snapshots(
        snapshot(POLICY, footnotes=["Statement of Testland, 1 May 2013."]),
        snapshot(POLICY, footnotes=["Interview with a minister in the capital."]),
    )

    assert [f.kind for f in comparison.footnotes] == [REMOVED, ADDED]


def test_repeated_footnote_texts_such_as_ibid_pair_in_order():
    old = snapshot(POLICY, footnotes=["Source A.", "Ibid.", "Source B.", "Ibid."])
    new = snapshot(POLICY, footnotes=["Source A.", "Ibid.", "Ibid."])

    comparison = compare_snapshots(old, new)

    assert [(f.kind, f.old_number) for f in comparison.footnotes] == [(REMOVED, 3)]
    assert [str(run) for run in comparison.renumbered] == ["[4] is now [3]"]
