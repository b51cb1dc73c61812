"""Edit as text: a profile's working copy opened in the plain-text format, previewed, applied."""

import pytest
from django.test import Client

from citations.models import Citation, ReviewState
from citations.services import citation_review
from history.changesets import change_set
from profiles.edit_text import profile_text_plan, profile_text_read
from profiles.importing import profile_export
from profiles.models import ChangeSet, Claim, Profile
from tests.factories import make_member, make_user
from tests.helpers import history_count

pytestmark = pytest.mark.django_db

OLD_CLAIM = "Mali has stated several times"
NEW_CLAIM = "Mali has stated many times"


def written() -> tuple[int, int]:
    return history_count(), ChangeSet.objects.count()


def url(profile) -> str:
    return f"/admin/profiles/profile/{profile.pk}/edit-text/"


def opened(client, profile) -> dict:
    """Open the profile as text; return the form's fields as a browser would submit them."""
    form = client.get(url(profile)).context["form"]
    return {name: form[name].value() for name in ("text", "base", "version")}


def submit(client, profile, fields: dict, text: str, button: str = "preview"):
    # Browsers send a textarea's line breaks as CRLF.
    data = {**fields, "text": text.replace("\n", "\r\n"), button: "1"}
    return client.post(url(profile), data)


def verify(citation: Citation) -> None:
    checker = make_member("checker", "Fact-checkers")
    citation_review(citation=citation, reviewer=checker, state=ReviewState.VERIFIED)


class OpenTests:
    @pytest.mark.parametrize("role", ["Editors", "Publishers"])
    def test_editors_and_publishers_open_the_exported_text(self, mali, role):
        client = Client()
        client.force_login(make_member("someone", role))

        response = client.get(url(mali))

        assert response.status_code == 200
        form = response.context["form"]
        assert form["text"].value() == profile_export(profile=mali)
        assert "Mali has stated several times that it has never used" in response.text

    def test_the_change_page_links_to_it(self, editor_client, mali):
        response = editor_client.get(f"/admin/profiles/profile/{mali.pk}/change/")

        assert f'href="{url(mali)}"' in response.text
        assert "Edit as text" in response.text

    def test_a_fact_checker_may_neither_open_nor_submit(self, mali):
        checker = Client()
        checker.force_login(make_member("checker", "Fact-checkers"))
        text = profile_export(profile=mali)
        before = written()

        assert checker.get(url(mali)).status_code == 403
        fields = {"base": text, "version": "x"}
        assert submit(checker, mali, fields, text, "apply").status_code == 403
        assert written() == before
        change_page = checker.get(f"/admin/profiles/profile/{mali.pk}/change/")
        assert url(mali) not in change_page.text


class PreviewTests:
    def test_an_edited_claim_is_shown_changed_word_by_word_and_nothing_is_written(
        self, editor_client, mali
    ):
        claim = Claim.objects.get(text__startswith=OLD_CLAIM)
        verify(claim.citations.get())
        fields = opened(editor_client, mali)
        before = written()

        response = submit(editor_client, mali, fields, fields["text"].replace(OLD_CLAIM, NEW_CLAIM))

        assert response.status_code == 200
        assert response.templates[0].name == "admin/profiles/profile/edit_text_confirm.html"
        plan = response.context["plan"]
        assert [(change.kind, change.where) for change in plan.claims] == [
            ("changed", "Use, production, transfer, and stockpiling")
        ]
        assert plan.claims_kept == 13
        assert "<del>several </del><ins>many </ins>times" in response.text
        assert [(reset.where, reset.review) for reset in plan.review_resets] == [
            ("[6]", "verified by checker")
        ]
        assert "its claim&#x27;s text changes" in response.text
        assert written() == before
        claim.refresh_from_db()
        assert claim.text.startswith(OLD_CLAIM)
        assert claim.citations.get().review_state == ReviewState.VERIFIED

    def test_a_removed_claim_and_its_reviewed_footnote_are_listed(self, editor_client, mali):
        claim = Claim.objects.get(text__startswith="It is not known to have produced")
        verify(claim.citations.get())
        fields = opened(editor_client, mali)
        text = fields["text"].replace(
            " It is not known to have produced or transferred the weapons.[7]", ""
        )
        text = text.replace("[8]", "[7]").replace(
            "[7] Email from Amadou Maiga, West African Journalists for Security and "
            "Development Network, 19 July 2010.\n\n",
            "",
        )

        plan = submit(editor_client, mali, fields, text).context["plan"]

        assert [(change.kind, change.segments[0].text) for change in plan.claims] == [
            ("removed", claim.text)
        ]
        # The footnote after it only changes number: it is not listed.
        assert [(change.kind, change.where, change.review) for change in plan.citations] == [
            ("removed", "[7]", "verified by checker")
        ]
        assert plan.review_resets == []

    def test_added_claims_footnotes_and_header_changes_are_listed(self, editor_client, mali):
        fields = opened(editor_client, mali)
        text = (
            fields["text"]
            .replace("07 June 2016", "08 June 2016")
            .replace("a stockpile.[8]", "a stockpile.[8] It said so again in 2015.[9]")
            .rstrip("\n")
            + "\n\n[9] Email from the Ministry of Defence, 1 May 2015.\n"
        )

        plan = submit(editor_client, mali, fields, text).context["plan"]

        assert [(change.label, change.old, change.new) for change in plan.fields] == [
            ("Last updated", "07 June 2016", "08 June 2016")
        ]
        assert [(change.kind, change.segments[0].text) for change in plan.claims] == [
            ("added", "It said so again in 2015.")
        ]
        assert [(change.kind, change.where) for change in plan.citations] == [("added", "[9]")]

    def test_an_unchanged_text_changes_nothing(self, editor_client, mali):
        fields = opened(editor_client, mali)

        response = submit(editor_client, mali, fields, fields["text"])

        assert not response.context["plan"].has_changes
        assert "Your text changes nothing" in response.text
        assert 'name="apply"' not in response.text

    def test_back_to_the_text_keeps_the_edit(self, editor_client, mali):
        fields = opened(editor_client, mali)
        text = fields["text"].replace(OLD_CLAIM, NEW_CLAIM)

        response = submit(editor_client, mali, fields, text, "edit")

        assert response.templates[0].name == "admin/profiles/profile/edit_text.html"
        assert NEW_CLAIM in response.context["form"]["text"].value()


class ApplyTests:
    def test_applying_changes_the_claim_in_place_as_one_change_set(
        self, editor_client, editor, mali
    ):
        claim = Claim.objects.get(text__startswith=OLD_CLAIM)
        citation = claim.citations.get()
        verify(citation)
        others = {other.pk: other.history.count() for other in Claim.objects.exclude(pk=claim.pk)}
        ids = set(Claim.objects.values_list("pk", flat=True))
        fields = opened(editor_client, mali)

        response = submit(
            editor_client, mali, fields, fields["text"].replace(OLD_CLAIM, NEW_CLAIM), "apply"
        )

        assert response.status_code == 302
        assert response.url == f"/admin/profiles/profile/{mali.pk}/change/"
        claim.refresh_from_db()
        assert claim.text.startswith(NEW_CLAIM)
        assert set(Claim.objects.values_list("pk", flat=True)) == ids
        assert {
            other.pk: other.history.count() for other in Claim.objects.exclude(pk=claim.pk)
        } == others
        edit = ChangeSet.objects.first()
        assert (edit.action, edit.user, edit.reason) == ("edit-as-text", editor, "Edited as text")
        assert claim.history.first().change_set == edit
        assert claim.history.first().history_change_reason == "Edited as text"
        citation.refresh_from_db()
        assert citation.review_state == ReviewState.UNREVIEWED
        assert citation.history.first().change_set == edit
        assert profile_export(profile=mali) == fields["text"].replace(OLD_CLAIM, NEW_CLAIM)
        messages = [str(m) for m in editor_client.get(response.url).context["messages"]]
        assert messages[0] == "Applied: 1 claims changed."
        # The reset review is named too (tests/citations/test_review_resets.py says how).
        assert any("1 review was reset" in message for message in messages[1:])

    def test_applying_an_unchanged_text_writes_nothing(self, editor_client, mali):
        fields = opened(editor_client, mali)
        before = written()

        response = submit(editor_client, mali, fields, fields["text"], "apply")

        assert response.status_code == 302
        assert written() == before


class ErrorTests:
    def test_errors_are_shown_with_line_numbers_and_nothing_is_written(self, editor_client, mali):
        fields = opened(editor_client, mali)
        text = fields["text"].replace("[8] Statement", "[9] Statement")
        lines = text.splitlines()
        marker = next(n for n, line in enumerate(lines, 1) if "did not possess" in line)
        footnote = next(n for n, line in enumerate(lines, 1) if line.startswith("[9]"))
        before = written()

        for button in ("preview", "apply"):
            response = submit(editor_client, mali, fields, text, button)

            assert response.status_code == 200
            assert response.context["form"].errors["text"] == [
                f"line {marker}: marker [8] has no footnote [8]",
                f"line {footnote}: footnote [9] is out of order: footnote [8] should come next",
                f"line {footnote}: footnote [9] is never cited in the text",
            ]
            assert (
                f'<a class="go-to-line" href="#line-{marker}" data-line="{marker}" '
                f'data-column="0">Line {marker}</a>: marker [8] has no footnote [8]'
            ) in response.text
            assert "[9] Statement" in response.context["form"]["text"].value()
            assert written() == before

    def test_the_text_must_still_name_this_profile(self, editor_client, mali):
        fields = opened(editor_client, mali)
        text = (
            fields["text"]
            .replace("Mali\n", "Westmarch\n", 1)
            .replace("Cluster Munition Ban Policy", "Mine Ban Policy", 1)
        )
        before = (Profile.objects.count(), written())

        response = submit(editor_client, mali, fields, text, "apply")

        assert response.context["form"].errors["text"] == [
            "line 1: the first line must name the country, “Mali”",
            "line 3: the second line must name the topic, “Cluster Munition Ban Policy”",
        ]
        assert (Profile.objects.count(), written()) == before


def stray_nine(text: str) -> str:
    """Put a stray marker [9] (Mali has 8 footnotes) after the first [2]."""
    return text.replace("[2]", "[2] [9]", 1)


def line_of(text: str, words: str) -> int:
    return next(number for number, line in enumerate(text.split("\n"), 1) if words in line)


class StrayMarkerTests:
    """One stray [9] is one problem; the six markers it puts out of order are folded under it."""

    def test_the_stray_marker_is_the_one_error_and_its_knock_ons_are_folded(
        self, editor_client, mali
    ):
        fields = opened(editor_client, mali)
        text = stray_nine(fields["text"])
        line = line_of(text, "[2] [9]")

        response = submit(editor_client, mali, fields, text)

        form = response.context["form"]
        assert form.errors["text"] == [f"line {line}: marker [9] has no footnote [9]"]
        (problem,) = form.problems
        assert [knock_on.message for knock_on in problem.knock_ons] == [
            f"marker [{number}] is out of order: it comes after [9]" for number in range(3, 9)
        ]
        content = response.text
        assert "The text has 1 problem (and 6 more that follow from it)" in content
        assert (
            '<details class="text-problem__knock-ons">\n'
            "                  <summary>6 more markers are out of order only because of this one"
            "</summary>"
        ) in content
        assert content.count('class="go-to-line"') == 7

    def test_each_error_links_to_its_line(self, editor_client, mali):
        fields = opened(editor_client, mali)
        text = stray_nine(fields["text"])
        line = line_of(text, "[2] [9]")
        knock_on = line_of(text, "[3]")

        response = submit(editor_client, mali, fields, text)

        content = response.text
        assert (
            f'<a class="go-to-line" href="#line-{line}" data-line="{line}" data-column="0">'
            f"Line {line}</a>: marker [9] has no footnote [9]"
        ) in content
        assert (
            f'<a class="go-to-line" href="#line-{knock_on}" data-line="{knock_on}" '
            f'data-column="0">Line {knock_on}</a>: marker [3] is out of order'
        ) in content

    def test_the_links_lead_to_the_numbered_text_without_javascript(self, editor_client, mali):
        fields = opened(editor_client, mali)
        text = stray_nine(fields["text"])
        line = line_of(text, "[2] [9]")

        response = submit(editor_client, mali, fields, text)

        lines = response.context["form"].numbered_lines
        assert [numbered.number for numbered in lines] == list(range(1, len(text.split("\n")) + 1))
        assert [numbered.number for numbered in lines if numbered.has_problem] == sorted(
            {line, *(line_of(text, f"[{number}]") for number in range(3, 9))}
        )
        assert f'<li id="line-{line}" value="{line}" class="has-problem">' in response.text
        assert (
            'id="line-1" value="1"><span class="numbered-text__number" aria-hidden="true">1'
            "</span>" in response.text
        )

    def test_a_problem_of_the_whole_text_has_no_line_to_link_to(self, editor_client, mali):
        fields = opened(editor_client, mali)

        response = submit(editor_client, mali, fields, "  \n")

        assert response.context["form"].errors["text"] == ["the file is empty"]
        assert 'class="go-to-line"' not in response.text
        assert 'id="numbered-text"' not in response.text


class GutterTests:
    def test_the_text_box_has_a_gutter_of_line_numbers(self, editor_client, mali):
        response = editor_client.get(url(mali))

        text = response.context["form"]["text"].value()
        count = len(text.split("\n"))
        numbers = "\n".join(str(number) for number in range(1, count + 1))
        assert f'<div class="text-editor__gutter" aria-hidden="true">{numbers}</div>' in (
            response.text
        )
        # Without JavaScript the box neither wraps nor scrolls, so each number is at its line.
        assert f'rows="{count + 1}"' in response.text
        assert 'wrap="off"' in response.text
        assert 'src="/static/monitor/edit-text.js" defer' in response.text
        assert 'id="numbered-text"' not in response.text  # nothing to point at yet

    def test_the_gutter_follows_the_submitted_text(self, editor_client, mali):
        fields = opened(editor_client, mali)
        text = stray_nine(fields["text"]) + "\n\n"

        response = submit(editor_client, mali, fields, text)

        gutter = response.context["form"].gutter
        assert gutter.split("\n")[-1] == str(len(text.split("\n")))


class ConflictTests:
    def edit_by_someone_else(self):
        claim = Claim.objects.get(text__startswith="Mali is party to the Mine Ban Treaty")
        claim.text = claim.text.replace("Treaty.", "Treaty (since 1998).")
        claim._history_user = make_user("colleague")
        claim.save()
        return claim

    @pytest.mark.parametrize("button", ["preview", "apply"])
    def test_a_stale_text_is_refused_with_the_other_changes_shown(
        self, editor_client, mali, button
    ):
        fields = opened(editor_client, mali)
        theirs = self.edit_by_someone_else()
        before = written()

        response = submit(
            editor_client, mali, fields, fields["text"].replace(OLD_CLAIM, NEW_CLAIM), button
        )

        assert response.status_code == 200
        assert "changed since you opened this text" in response.text
        [change] = response.context["conflict"].changes
        assert change.kind == "changed"
        assert "<del>Treaty. </del><ins>Treaty (since 1998). </ins>It is also" in response.text
        assert NEW_CLAIM in response.context["form"]["text"].value()
        assert written() == before
        assert Claim.objects.filter(text__startswith=OLD_CLAIM).exists()
        theirs.refresh_from_db()
        assert "(since 1998)" in theirs.text

    def test_after_a_refusal_the_text_is_opened_anew(self, editor_client, mali):
        fields = opened(editor_client, mali)
        self.edit_by_someone_else()
        response = submit(editor_client, mali, fields, fields["text"].replace(OLD_CLAIM, NEW_CLAIM))
        form = response.context["form"]
        fields = {name: form[name].value() for name in ("base", "version")}

        response = submit(
            editor_client, mali, fields, profile_export(profile=mali).replace(OLD_CLAIM, NEW_CLAIM)
        )

        assert "conflict" not in response.context
        assert [change.kind for change in response.context["plan"].claims] == ["changed"]


def test_a_preview_inside_a_request_leaves_its_change_set_to_later_writes(mali, editor):
    text = profile_export(profile=mali).replace(OLD_CLAIM, NEW_CLAIM)
    document = profile_text_read(profile=mali, text=text)
    claim = Claim.objects.get(text__startswith="Mali is party to the Mine Ban Treaty")

    with change_set(action="edit", user=editor) as scope:
        profile_text_plan(profile=mali, document=document, user=editor)
        claim.text = claim.text.replace("Treaty.", "Treaty (since 1998).")
        claim.save()

    assert ChangeSet.objects.filter(pk=scope.change_set.pk).exists()
    assert claim.history.first().change_set == scope.change_set
