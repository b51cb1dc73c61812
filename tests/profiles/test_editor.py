"""The one-page profile editor: the whole profile in reading order, structural buttons that
change the page without saving, and one save as one change set, refused over others' changes."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from citations.models import Citation, CitationSource, ReviewState
from citations.services import citations_link_sources
from history.changesets import change_set
from profiles import editor_html
from profiles.models import ChangeSet, Claim
from profiles.roles import EDITORS
from profiles.textformat import parse_profile
from tests.factories import (
    changeform_data,
    make_citation,
    make_citation_source,
    make_claim,
    make_section,
)
from tests.helpers import count_queries, export

pytestmark = pytest.mark.django_db


def editor_url(profile) -> str:
    return reverse("admin:profiles_profile_editor", args=[profile.pk])


class FormReader(HTMLParser):
    """Read the editor's form as a browser would submit it: every named input, text box and
    ticked box (submit buttons only when pressed)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.buttons: list[tuple[str, str]] = []
        self._textarea = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "profile-editor":
            self._in_form = True
        if not self._in_form or "name" not in attrs:
            return
        if tag == "textarea":
            self._textarea = [attrs["name"], ""]
        elif tag == "button":
            self.buttons.append((attrs["name"], attrs.get("value", "")))
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind == "checkbox" and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value", "on")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # A browser drops the one line end that may follow <textarea>.
            name, value = self._textarea
            self.fields.append((name, value.removeprefix("\n")))
            self._textarea = None
        if tag == "form":
            self._in_form = False


def read_form(response) -> FormReader:
    reader = FormReader()
    reader.feed(response.content.decode())
    return reader


def submit(client, profile, response, op="save", changes=None):
    """Submit the editor's form in `response` as a browser without JavaScript would, pressing
    the button `op`, with `changes` typed into fields named by their HTML names."""
    reader = read_form(response)
    assert ("op", op) in reader.buttons, f"no button {op!r} on the page"
    data: dict[str, list[str]] = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    for name, value in (changes or {}).items():
        data[name] = [value]
    data["op"] = [op]
    return client.post(editor_url(profile), data)


def claims_of(profile):
    return list(
        Claim.objects.filter(section__profile=profile).order_by("section__position", "position")
    )


def text_name(claim) -> str:
    return f"c-{claim.pk}-text"


# Reading ---------------------------------------------------------------------------------------


def test_the_editor_shows_the_whole_profile_in_reading_order(editor_client, mali):
    response = editor_client.get(editor_url(mali))

    assert response.status_code == 200
    page = response.content.decode()
    claims = claims_of(mali)
    places = [page.index(claim.text[:40].replace("“", "&ldquo;")[:30]) for claim in claims[:3]]
    assert places == sorted(places)
    assert "Use, production, transfer, and stockpiling" in page
    assert (
        page.count('class="editor-footnote"')
        == Citation.objects.filter(claim__section__profile=mali).count()
    )
    assert "review-badge--unreviewed" in page
    assert '<script src="/static/monitor/editor.js"' in page


def test_each_text_box_is_sized_to_show_all_its_text(editor_client, mali):
    response = editor_client.get(editor_url(mali))

    summary = response.context["draft"].rows[0]
    assert len(summary.text) > 500
    assert f'id="claim-{summary.key}-text" name="c-{summary.key}-text" rows="{summary.rows}"' in (
        response.content.decode()
    )
    assert summary.rows >= len(summary.text) // 80


def test_footnotes_show_their_review_state(editor_client, mali, checker):
    citation = Citation.objects.filter(claim__section__profile=mali).first()
    citation.review_state, citation.reviewed_by = ReviewState.DISPUTED, checker
    citation.review_note = "The date is wrong."
    citation.save(update_fields=["review_state", "reviewed_by", "review_note"])

    page = editor_client.get(editor_url(mali)).content.decode()

    assert '<span class="review-badge review-badge--disputed">Disputed</span>' in page
    assert "checker: The date is wrong." in page


def test_the_page_runs_the_same_queries_however_many_claims(editor_client, mali):
    before = count_queries(editor_client, editor_url(mali))
    section = make_section(profile=mali, heading="More")
    for number in range(5):
        claim = make_claim(section=section, text=f"Claim {number}.")
        make_citation_source(citation=make_citation(claim=claim))

    assert count_queries(editor_client, editor_url(mali)) == before


def test_the_page_says_which_edition_the_public_reads(editor_client, published_mali):
    page = editor_client.get(editor_url(published_mali)).content.decode()

    assert "Editing the working copy · the public reads edition 1" in page


def test_the_page_reads_the_profile_in_two_queries(editor_client, mali):
    # Session, user, the editor's groups and permissions, then the profile and its whole tree
    # (sections, claims and citations, with their versions) in one, and the comment threads
    # of its claims and footnotes counted in one.
    assert count_queries(editor_client, editor_url(mali)) == 7


def test_each_claim_adds_little_markup(editor_client):
    """One claim with a footnote is its text boxes, its buttons, one hidden field and the
    two links to their comment threads (~120 bytes each): about 1.9 KB (the page had ~4 KB a
    claim before the editor was written in Python)."""
    section = make_section(heading="Policy")
    profile = section.profile
    make_claim(section=section, text="Claim.", no_citation_needed=True)
    before = len(editor_client.get(editor_url(profile)).content)
    for number in range(20):
        claim = make_claim(section=section, text="Claim.", separator=" ")
        make_citation(claim=claim, text=f"Statement {number}.")

    after = len(editor_client.get(editor_url(profile)).content)

    assert (after - before) / 20 < 2_000


def test_a_claims_place_and_footnotes_travel_in_one_field(editor_client):
    claim = make_claim(text="Sourced.")
    citation = make_citation(claim=claim)
    profile = claim.section.profile

    fields = read_form(editor_client.get(editor_url(profile))).fields

    state = [value for name, value in fields if name == "claim"]
    version = Claim.history.filter(id=claim.pk).latest().history_id
    cited = Citation.history.filter(id=citation.pk).latest().history_id
    section, paragraph = claim.section_id, claim.paragraph
    assert state == [f"{claim.pk} {section} {paragraph} {version} - {citation.pk}:{cited}:-"]


@pytest.mark.parametrize(
    "state",
    ["12", "12 1 1 - x", "x 1 1 - -", "12 1 1 - - 34", "12 1 1 - - 34:5:q", "12 1 1 - - a:5:-"],
)
def test_a_claim_state_this_page_did_not_write_is_refused(editor_client, mali, state):
    response = editor_client.post(editor_url(mali), {"claim": [state], "op": "save"})

    assert response.status_code == 400


def test_no_citation_needed_survives_a_delete_and_its_undo(editor_client):
    claim = make_claim(text="Common knowledge.", no_citation_needed=True)
    profile = claim.section.profile
    page = editor_client.get(editor_url(profile))

    deleted = submit(editor_client, profile, page, op=f"delete:{claim.pk}")
    assert f'name="c-{claim.pk}-no_citation_needed"' not in deleted.content.decode()
    restored = submit(editor_client, profile, deleted, op=f"restore:{claim.pk}")
    assert f'name="c-{claim.pk}-no_citation_needed" checked' in restored.content.decode()
    submit(editor_client, profile, restored, changes={text_name(claim): "Common, amended."})

    claim.refresh_from_db()
    assert (claim.text, claim.no_citation_needed) == ("Common, amended.", True)


# Coming back after a button --------------------------------------------------------------------


def autofocused(response) -> list[str]:
    """The page's elements with `autofocus`, each as its start tag."""
    return re.findall(r"<(?:button|textarea)[^>]* autofocus[^>]*>", response.content.decode())


def test_the_buttons_carry_no_address_of_their_own(editor_client, mali):
    page = editor_client.get(editor_url(mali)).content.decode()

    assert page.count('name="op"') > 100
    assert "formaction" not in page
    assert editor_html.DOCUMENT_SLOT not in page


def test_the_page_comes_back_focused_on_the_button_pressed(editor_client):
    section = make_section()
    profile = section.profile
    first = make_claim(section=section, text="First.")
    second = make_claim(section=section, text="Second.", separator=" ")
    third = make_claim(section=section, text="Third.", separator=" ")
    page = editor_client.get(editor_url(profile))
    assert autofocused(page) == []

    # Moved, the claim keeps the focus on its button, to move it again (the browser scrolls
    # to it, without JavaScript); at the top, on its text box.
    moved = submit(editor_client, profile, page, op=f"down:{first.pk}")
    assert autofocused(moved) == [
        f'<button name="op" value="down:{first.pk}" data-move="down" autofocus>'
    ]
    top = submit(editor_client, profile, page, op=f"up:{second.pk}")
    assert autofocused(top) == [
        f'<textarea id="claim-{second.pk}-text" name="c-{second.pk}-text" rows="1"'
        ' aria-label="Claim" autofocus>'
    ]
    # Deleted, on the button that undoes it, and back.
    deleted = submit(editor_client, profile, page, op=f"delete:{third.pk}")
    assert autofocused(deleted) == [f'<button name="op" value="restore:{third.pk}" autofocus>']
    restored = submit(editor_client, profile, deleted, op=f"restore:{third.pk}")
    assert f'value="delete:{third.pk}" class="editor-tool--delete" autofocus>' in (
        restored.content.decode()
    )


def test_a_removed_footnote_comes_back_focused_on_its_undo(editor_client):
    citation = make_citation(text="Statement, 2013.")
    profile = citation.claim.section.profile
    page = editor_client.get(editor_url(profile))

    removed = submit(editor_client, profile, page, op=f"footnote-delete:{citation.pk}")

    assert autofocused(removed) == [
        f'<button name="op" value="footnote-restore:{citation.pk}" autofocus>'
    ]


# Saving ----------------------------------------------------------------------------------------


def test_two_claims_edited_in_one_save_are_one_change_set_by_the_editor(
    editor_client, editor, mali
):
    first, second = claims_of(mali)[1:3]
    page = editor_client.get(editor_url(mali))

    response = submit(
        editor_client,
        mali,
        page,
        changes={text_name(first): "First, amended.", text_name(second): "Second, amended."},
    )

    assert response.status_code == 302
    assert response["Location"] == editor_url(mali)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.text, second.text) == ("First, amended.", "Second, amended.")
    records = [first.history.latest(), second.history.latest()]
    assert {record.change_set_id for record in records} == {records[0].change_set_id}
    assert {record.history_user for record in records} == {editor}
    assert ChangeSet.objects.get(pk=records[0].change_set_id).user == editor
    assert first.text_changed_by == editor


def test_saving_says_what_was_saved(editor_client, mali):
    claim = claims_of(mali)[1]
    page = editor_client.get(editor_url(mali))

    response = submit(editor_client, mali, page, changes={text_name(claim): "Changed."})

    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [f"Saved {mali}: 1 claim edited."]


def test_saving_nothing_writes_nothing(editor_client, mali):
    records = ChangeSet.objects.count()
    page = editor_client.get(editor_url(mali))

    submit(editor_client, mali, page)

    assert ChangeSet.objects.count() == records


def test_a_claim_added_after_another_renumbers_its_section(editor_client, editor, mali):
    claims = claims_of(mali)
    target = claims[2]
    section = target.section
    page = editor_client.get(editor_url(mali))

    # Without JavaScript: the button shows the page again with an empty claim, saving nothing.
    shown = submit(editor_client, mali, page, op=f"insert-after:{target.pk}")
    assert shown.status_code == 200
    assert claims_of(mali) == claims
    assert 'name="c-new-1-text"' in shown.content.decode()
    assert "autofocus" in shown.content.decode()
    response = submit(editor_client, mali, shown, changes={"c-new-1-text": "A new claim."})

    assert response.status_code == 302
    in_section = list(section.claims.order_by("position"))
    texts = [claim.text for claim in in_section]
    assert texts.index("A new claim.") == texts.index(target.text) + 1
    assert [claim.position for claim in in_section] == list(range(1, len(in_section) + 1))
    added = next(claim for claim in in_section if claim.text == "A new claim.")
    target.refresh_from_db()
    assert added.paragraph == target.paragraph
    assert added.history.get().history_user == editor
    # The plain-text export still reads, with the new claim in its paragraph.
    text = export("mali", "cluster-munition-ban-policy")
    parse_profile(text)
    assert f"{target.text}" in text
    assert "A new claim." in text


def test_a_paragraph_added_after_another_is_its_own_paragraph(editor_client, mali):
    claims = claims_of(mali)
    # The last claim of its paragraph, with more text after it in its section.
    target = next(
        claim
        for claim, after in zip(claims, claims[1:], strict=False)
        if after.section_id == claim.section_id and after.paragraph != claim.paragraph
    )
    page = editor_client.get(editor_url(mali))

    shown = submit(editor_client, mali, page, op=f"paragraph-after:{target.pk}")
    submit(editor_client, mali, shown, changes={"c-new-1-text": "A paragraph of its own."})

    added = Claim.objects.get(text="A paragraph of its own.")
    target.refresh_from_db()
    assert added.paragraph == target.paragraph + 1
    assert added.separator == ""
    paragraphs = [c.paragraph for c in target.section.claims.order_by("position")]
    assert paragraphs == sorted(paragraphs)
    assert "\n\nA paragraph of its own.\n\n" in export("mali", "cluster-munition-ban-policy")


def test_a_claim_moves_up_and_down_within_its_paragraph(editor_client):
    section = make_section()
    profile = section.profile
    first = make_claim(section=section, text="First.")
    second = make_claim(section=section, text="Second.", separator=" ")
    page = editor_client.get(editor_url(profile))

    moved = submit(editor_client, profile, page, op=f"up:{second.pk}")
    submit(editor_client, profile, moved)

    assert [c.text for c in section.claims.order_by("position")] == ["Second.", "First."]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.separator, first.separator) == ("", " ")

    page = editor_client.get(editor_url(profile))
    moved = submit(editor_client, profile, page, op=f"down:{second.pk}")
    submit(editor_client, profile, moved)

    assert [c.text for c in section.claims.order_by("position")] == ["First.", "Second."]


def test_moving_the_first_claim_of_a_paragraph_up_joins_the_paragraph_before(editor_client):
    section = make_section()
    profile = section.profile
    make_claim(section=section, text="One.", paragraph=1)
    second = make_claim(section=section, text="Two.", paragraph=2)
    page = editor_client.get(editor_url(profile))

    submit(editor_client, profile, submit(editor_client, profile, page, op=f"up:{second.pk}"))

    second.refresh_from_db()
    assert (second.position, second.paragraph, second.separator) == (2, 1, " ")


def test_a_deleted_claim_goes_with_its_footnotes_by_the_editor(editor_client, editor):
    claim = make_claim(text="Wrong.")
    link = make_citation_source(citation=make_citation(claim=claim))
    profile = claim.section.profile
    page = editor_client.get(editor_url(profile))

    shown = submit(editor_client, profile, page, op=f"delete:{claim.pk}")
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert "Undo delete" in shown.content.decode()
    submit(editor_client, profile, shown)

    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert not CitationSource.objects.filter(pk=link.pk).exists()
    deletions = [
        Claim.history.filter(id=claim.pk).latest(),
        Citation.history.filter(id=link.citation_id).latest(),
        CitationSource.history.filter(id=link.pk).latest(),
    ]
    assert {(r.history_type, r.history_user) for r in deletions} == {("-", editor)}


def test_undo_delete_keeps_the_claim(editor_client):
    claim = make_claim(text="Kept.")
    profile = claim.section.profile
    page = editor_client.get(editor_url(profile))

    deleted = submit(editor_client, profile, page, op=f"delete:{claim.pk}")
    restored = submit(editor_client, profile, deleted, op=f"restore:{claim.pk}")
    submit(editor_client, profile, restored)

    assert Claim.objects.filter(pk=claim.pk).exists()


def test_a_footnote_edit_resets_its_review(editor_client, checker):
    citation = make_citation(text="Statement, 2013.")
    citation.review_state, citation.reviewed_by = ReviewState.VERIFIED, checker
    citation.save(update_fields=["review_state", "reviewed_by"])
    profile = citation.claim.section.profile
    page = editor_client.get(editor_url(profile))

    submit(editor_client, profile, page, changes={f"f-{citation.pk}-text": "Statement, 2014."})

    citation.refresh_from_db()
    assert (citation.text, citation.review_state) == ("Statement, 2014.", "unreviewed")


def test_the_save_message_names_the_review_it_reset(editor_client, checker):
    citation = make_citation(text="Statement, 2013.")
    citation.review_state, citation.reviewed_by = ReviewState.DISPUTED, checker
    citation.save(update_fields=["review_state", "reviewed_by"])
    profile = citation.claim.section.profile
    page = editor_client.get(editor_url(profile))

    response = submit(editor_client, profile, page, changes={f"f-{citation.pk}-text": "2014."})

    said = [str(message) for message in response.wsgi_request._messages]
    assert any("1 review was reset" in m and "footnote [1] (was Disputed)" in m for m in said)


def test_bad_input_is_shown_at_its_claim_and_nothing_is_written(editor_client, mali):
    good, bad = claims_of(mali)[1:3]
    changes = ChangeSet.objects.count()
    page = editor_client.get(editor_url(mali))

    response = submit(
        editor_client,
        mali,
        page,
        changes={text_name(good): "Fine.", text_name(bad): "Two\nlines."},
    )

    assert response.status_code == 200
    page = response.content.decode()
    error = page.index("cannot hold a line break")
    assert page.rindex(f'id="claim-{bad.pk}"', 0, error) > page.rindex(
        f'id="claim-{good.pk}"', 0, error
    )
    assert "Fine." in page  # what was typed is kept
    assert ChangeSet.objects.count() == changes
    good.refresh_from_db()
    assert good.text != "Fine."


def test_an_empty_new_claim_is_refused(editor_client, mali):
    target = claims_of(mali)[0]
    page = editor_client.get(editor_url(mali))

    shown = submit(editor_client, mali, page, op=f"insert-after:{target.pk}")
    response = submit(editor_client, mali, shown)

    assert "Write the claim&#x27;s text, or delete the claim." in response.content.decode()
    assert Claim.objects.filter(section__profile=mali).count() == len(claims_of(mali))


# Footnotes added and removed in place ----------------------------------------------------------

DUBLIN = (
    "Statement of Mali, Committee of the Whole on Article 1, Dublin Diplomatic Conference on "
    "Cluster Munitions, 27 May 2008. Notes by Landmine Action."
)


def footnote_numbers(response) -> list[tuple[str, int]]:
    """The footnotes the page shows, in reading order, with their numbers."""
    draft = response.context["draft"]
    return [
        (footnote.key, footnote.number)
        for row in draft.rows
        for footnote in row.footnotes
        if footnote.number
    ]


def test_a_footnote_added_in_place_is_a_citation_by_the_editor_with_its_sources(
    editor_client, editor, mali
):
    claim = claims_of(mali)[1]
    before = list(claim.citations.order_by("position"))
    page = editor_client.get(editor_url(mali))
    numbered = footnote_numbers(page)

    # Without JavaScript: the button shows the page again with an empty footnote box.
    shown = submit(editor_client, mali, page, op=f"footnote-add:{claim.pk}")
    assert shown.status_code == 200
    assert list(claim.citations.order_by("position")) == before
    assert 'name="f-new-1-text"' in shown.content.decode()
    # Numbered in reading order: it follows the claim's others, and the later ones move on.
    after = footnote_numbers(shown)
    assert [number for _key, number in after] == list(range(1, len(numbered) + 2))
    last_of_claim = str(before[-1].pk) if before else None
    keys = [key for key, _number in after]
    if last_of_claim:
        assert keys.index("new-1") == keys.index(last_of_claim) + 1

    response = submit(editor_client, mali, shown, changes={"f-new-1-text": DUBLIN})

    assert response.status_code == 302
    added = claim.citations.get(text=DUBLIN)
    assert added.position == max((c.position for c in before), default=0) + 1
    record = added.history.get()
    assert (record.history_type, record.history_user) == ("+", editor)
    assert added.text_changed_by == editor
    assert ChangeSet.objects.get(pk=record.change_set_id).user == editor
    # Its sources are read from its text, as the admin does when a footnote is saved.
    assert added.source_links.exists()
    assert citations_link_sources(citations=[added]) == {}
    messages = [str(m) for m in response.wsgi_request._messages]
    assert f"Saved {mali}: 1 footnote added." in messages
    # The page numbers it among the others.
    page = editor_client.get(editor_url(mali))
    number = dict(footnote_numbers(page))[str(added.pk)]
    assert f"[{number}]" in page.content.decode()


def test_a_footnote_added_to_a_new_claim_is_saved_with_it(editor_client, editor):
    claim = make_claim(text="Kept.")
    profile = claim.section.profile
    page = editor_client.get(editor_url(profile))

    shown = submit(editor_client, profile, page, op=f"insert-after:{claim.pk}")
    shown = submit(editor_client, profile, shown, op="footnote-add:new-1")
    submit(
        editor_client,
        profile,
        shown,
        changes={"c-new-1-text": "Added.", "f-new-2-text": "Statement, 2014."},
    )

    added = Claim.objects.get(text="Added.")
    assert [c.text for c in added.citations.all()] == ["Statement, 2014."]


def test_an_empty_new_footnote_is_refused_at_its_claim(editor_client):
    claim = make_claim(text="Sourced.")
    profile = claim.section.profile
    changes = ChangeSet.objects.count()
    page = editor_client.get(editor_url(profile))

    shown = submit(editor_client, profile, page, op=f"footnote-add:{claim.pk}")
    response = submit(editor_client, profile, shown)

    assert response.status_code == 200
    page = response.content.decode()
    assert "A footnote cannot be empty: write its text, or remove it." in page
    assert page.index("A footnote cannot be empty") > page.index(f'id="claim-{claim.pk}"')
    assert not claim.citations.exists()
    assert ChangeSet.objects.count() == changes

    # Removing the empty box lets the rest save.
    removed = submit(editor_client, profile, response, op="footnote-delete:new-1")
    assert 'name="f-new-1-text"' not in removed.content.decode()


def test_a_removed_footnote_goes_with_its_source_links_by_the_editor(editor_client, editor):
    claim = make_claim(text="Twice sourced.")
    first = make_citation(claim=claim, text="First, 2013.")
    link = make_citation_source(citation=first)
    second = make_citation(claim=claim, text="Second, 2014.")
    profile = claim.section.profile
    page = editor_client.get(editor_url(profile))

    shown = submit(editor_client, profile, page, op=f"footnote-delete:{first.pk}")
    assert Citation.objects.filter(pk=first.pk).exists()
    assert "Undo remove" in shown.content.decode()
    assert footnote_numbers(shown) == [(str(second.pk), 1)]
    response = submit(editor_client, profile, shown)

    assert response.status_code == 302
    assert list(claim.citations.all()) == [second]
    assert not CitationSource.objects.filter(pk=link.pk).exists()
    deletions = [
        Citation.history.filter(id=first.pk).latest(),
        CitationSource.history.filter(id=link.pk).latest(),
    ]
    assert {(r.history_type, r.history_user) for r in deletions} == {("-", editor)}
    messages = [str(m) for m in response.wsgi_request._messages]
    assert f"Saved {profile}: 1 footnote removed." in messages


def test_undo_remove_keeps_the_footnote(editor_client):
    citation = make_citation(text="Kept, 2013.")
    link = make_citation_source(citation=citation)
    profile = citation.claim.section.profile
    page = editor_client.get(editor_url(profile))

    removed = submit(editor_client, profile, page, op=f"footnote-delete:{citation.pk}")
    restored = submit(editor_client, profile, removed, op=f"footnote-restore:{citation.pk}")
    assert footnote_numbers(restored) == [(str(citation.pk), 1)]
    submit(editor_client, profile, restored)

    assert Citation.objects.filter(pk=citation.pk).exists()
    assert CitationSource.objects.filter(pk=link.pk).exists()


def test_removing_a_footnote_another_changed_meanwhile_is_refused(editor_client, client_for):
    citation = make_citation(text="Theirs, 2013.")
    profile = citation.claim.section.profile
    page = editor_client.get(editor_url(profile))
    ana = client_for(EDITORS, "ana").user
    with change_set(action="edit", user=ana):
        citation.text = "Theirs, amended."
        citation._history_user = ana
        citation.save()

    response = submit(
        editor_client,
        profile,
        submit(editor_client, profile, page, op=f"footnote-delete:{citation.pk}"),
    )

    assert "It is still marked for removal." in response.content.decode()
    assert Citation.objects.filter(pk=citation.pk).exists()
    submit(editor_client, profile, response)
    assert not Citation.objects.filter(pk=citation.pk).exists()


# Headings edited in place ---------------------------------------------------------------------


def heading_name(section) -> str:
    return f"s-{section.pk}-heading"


def test_a_heading_edited_in_place_is_saved_by_the_editor(editor_client, editor, mali):
    summary, section = list(mali.sections.order_by("position"))[:2]
    claim = claims_of(mali)[1]
    page = editor_client.get(editor_url(mali))
    assert summary.kind == "summary"
    assert heading_name(summary) not in page.content.decode()

    response = submit(
        editor_client,
        mali,
        page,
        changes={heading_name(section): "Policy and practice", text_name(claim): "Changed."},
    )

    assert response.status_code == 302
    section.refresh_from_db()
    claim.refresh_from_db()
    assert section.heading == "Policy and practice"
    records = [section.history.latest(), claim.history.latest()]
    assert {r.history_user for r in records} == {editor}
    assert records[0].change_set_id == records[1].change_set_id
    messages = [str(m) for m in response.wsgi_request._messages]
    assert f"Saved {mali}: 1 claim edited, 1 heading edited." in messages


def test_a_heading_the_text_format_cannot_read_is_refused(editor_client, mali):
    section = list(mali.sections.order_by("position"))[1]
    heading = section.heading
    page = editor_client.get(editor_url(mali))

    response = submit(editor_client, mali, page, changes={heading_name(section): "Policy."})

    assert response.status_code == 200
    assert "would not read this as a heading" in response.content.decode()
    section.refresh_from_db()
    assert section.heading == heading


def test_a_heading_changed_by_another_meanwhile_is_refused_with_theirs_shown(
    editor_client, mali, client_for
):
    section = list(mali.sections.order_by("position"))[1]
    page = editor_client.get(editor_url(mali))
    ana = client_for(EDITORS, "ana").user
    with change_set(action="edit", user=ana):
        section.heading = "Ana's heading"
        section._history_user = ana
        section.save()
    changes = ChangeSet.objects.count()

    response = submit(editor_client, mali, page, changes={heading_name(section): "My heading"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "changed this heading after you opened this page" in page
    assert "Ana&#x27;s heading" in page
    assert 'value="My heading"' in page
    assert ChangeSet.objects.count() == changes
    section.refresh_from_db()
    assert section.heading == "Ana's heading"

    # Saving again, having seen theirs, goes through.
    submit(editor_client, mali, response)
    section.refresh_from_db()
    assert section.heading == "My heading"


def test_a_heading_left_as_opened_takes_anothers_change(editor_client, mali):
    section = list(mali.sections.order_by("position"))[1]
    claim = claims_of(mali)[1]
    page = editor_client.get(editor_url(mali))
    section.heading = "Changed meanwhile"
    section.save()

    response = submit(editor_client, mali, page, changes={text_name(claim): "Mine."})

    assert response.status_code == 302
    section.refresh_from_db()
    assert section.heading == "Changed meanwhile"


# Someone else saved first ------------------------------------------------------------------------


def test_a_save_over_anothers_change_is_refused_with_their_change_shown(
    editor_client, mali, client_for
):
    claim = claims_of(mali)[1]
    other = claims_of(mali)[2]
    page = editor_client.get(editor_url(mali))
    ana = client_for(EDITORS, "ana").user
    with change_set(action="edit", user=ana):
        claim.text = "Ana's version."
        claim._history_user = ana
        claim.save()
    changes = ChangeSet.objects.count()

    response = submit(
        editor_client,
        mali,
        page,
        changes={text_name(claim): "My version.", text_name(other): "Mine too."},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "ana on" in page
    assert "Ana&#x27;s version." in page  # their change, shown as from → to
    assert "My version." in page  # mine, kept in the box
    assert ChangeSet.objects.count() == changes
    other.refresh_from_db()
    assert other.text != "Mine too."

    # Saving again, having seen theirs, goes through.
    submit(editor_client, mali, response)
    claim.refresh_from_db()
    other.refresh_from_db()
    assert (claim.text, other.text) == ("My version.", "Mine too.")


def test_anothers_change_elsewhere_is_no_conflict_and_is_kept(editor_client, mali):
    mine, theirs = claims_of(mali)[1:3]
    page = editor_client.get(editor_url(mali))
    theirs.text = "Changed meanwhile."
    theirs.save()

    response = submit(editor_client, mali, page, changes={text_name(mine): "Mine."})

    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.text == "Changed meanwhile."


def test_a_reorder_over_anothers_insert_in_the_section_is_refused(editor_client):
    section = make_section()
    profile = section.profile
    make_claim(section=section, text="One.")
    second = make_claim(section=section, text="Two.")
    page = editor_client.get(editor_url(profile))
    make_claim(section=section, text="Added meanwhile.")

    response = submit(
        editor_client, profile, submit(editor_client, profile, page, op=f"up:{second.pk}")
    )

    assert "changed the order of the claims" in response.content.decode()
    assert [c.text for c in section.claims.order_by("position")] == [
        "One.",
        "Two.",
        "Added meanwhile.",
    ]
    submit(editor_client, profile, response)
    assert [c.text for c in section.claims.order_by("position")] == [
        "Two.",
        "One.",
        "Added meanwhile.",
    ]


# Who may ---------------------------------------------------------------------------------------


def test_a_fact_checker_reads_the_editor_without_the_form(checker_client, mali):
    response = checker_client.get(editor_url(mali))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="profile-editor"' not in page
    assert "<textarea" not in page
    assert 'name="op"' not in page
    # The text to read, with its footnotes' numbers and review states.
    assert "<sup>[1]</sup>" in page
    assert "review-badge--unreviewed" in page


def test_a_fact_checker_cannot_save(checker_client, mali):
    claim = claims_of(mali)[0]

    response = checker_client.post(
        editor_url(mali), {"claim": [str(claim.pk)], text_name(claim): "X", "op": "save"}
    )

    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.text != "X"


def test_a_tampered_form_is_refused(editor_client, mali):
    response = editor_client.post(editor_url(mali), {"claim": ["999999"], "op": "save"})

    assert response.status_code == 400


# The claim's own form comes back to the editor ---------------------------------------------------


def test_saving_a_claims_form_returns_to_its_place_in_the_editor(admin_client):
    claim = make_claim()
    url = reverse("admin:profiles_claim_change", args=[claim.pk])
    response = admin_client.get(url)

    saved = admin_client.post(url, changeform_data(response, {"text": "Edited."}))

    assert saved.status_code == 302
    assert saved["Location"] == f"{editor_url(claim.section.profile)}#claim-{claim.pk}"


def test_saving_a_claims_form_follows_next(admin_client):
    claim = make_claim()
    back = f"{editor_url(claim.section.profile)}#claim-{claim.pk}"
    url = f"{reverse('admin:profiles_claim_change', args=[claim.pk])}?{urlencode({'next': back})}"

    response = admin_client.get(url)
    saved = admin_client.post(url, changeform_data(response, {"text": "Edited."}))

    assert saved["Location"] == back


def test_a_next_to_another_site_is_ignored(admin_client):
    claim = make_claim()
    url = f"{reverse('admin:profiles_claim_change', args=[claim.pk])}?next=https://evil.example/"

    response = admin_client.get(url)
    saved = admin_client.post(url, changeform_data(response, {"text": "Edited."}))

    assert saved["Location"].startswith(editor_url(claim.section.profile))


def test_the_editor_links_each_claim_to_its_full_form_and_back(editor_client, mali):
    claim = claims_of(mali)[0]

    page = editor_client.get(editor_url(mali)).content.decode()

    # The link carries no `next`: the claim's form comes back to the claim by itself.
    claim_url = reverse("admin:profiles_claim_change", args=[claim.pk])
    assert f'<a href="{claim_url}">Footnotes and sources' in page
    form = editor_client.get(claim_url)
    saved = editor_client.post(claim_url, changeform_data(form, {"text": "Edited."}))
    assert saved["Location"] == f"{editor_url(mali)}#claim-{claim.pk}"
