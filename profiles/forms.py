"""Forms for the editors' admin of profiles."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst

from history.forms import PositionedInlineForm, VersionedModelForm
from profiles.edit_text import (
    gutter_numbers,
    normalise_newlines,
    numbered_lines,
    problem_text,
    profile_text_read,
    text_problems,
)
from profiles.models import Profile
from profiles.textformat import ProfileFormatError, written_text_problem


class StatusBoxField(forms.JSONField):
    """A list of [label, value] pairs, shown one pair a line so editors can read it."""

    def prepare_value(self, value):
        if isinstance(value, list) and value and all(isinstance(row, list) for row in value):
            rows = ",\n".join(f" {json.dumps(row, ensure_ascii=False)}" for row in value)
            return f"[\n{rows}\n]"
        return super().prepare_value(value)


class ProfileAdminForm(VersionedModelForm):
    status_box = StatusBoxField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 90}),
        help_text="Older layout only. One row per line, label then value, as JSON: "
        '<code>[["Convention on Cluster Munitions status", "State Party"], '
        '["Key developments", "Submitted its initial report in March 2012"]]</code>. '
        "Leave as <code>[]</code> for profiles without a status box.",
    )

    class Meta:
        model = Profile
        fields = [
            "country",
            "topic",
            "last_updated",
            "status_box_heading",
            "status_box",
            "compact_footnotes",
            "notes",
        ]

    def clean_status_box(self):
        rows = self.cleaned_data["status_box"]
        if rows in (None, ""):
            return []
        if not isinstance(rows, list) or not all(
            isinstance(row, list) and len(row) == 2 and all(isinstance(v, str) for v in row)
            for row in rows
        ):
            raise ValidationError(
                "Write the status box as a list of [label, value] pairs of text, e.g. "
                '[["Convention on Cluster Munitions status", "State Party"]].'
            )
        return rows


class TextLimitMixin:
    """Refuse a claim's or footnote's text longer than a profile allows (MAX_TEXT_LENGTH in
    profiles/textformat.py), as the importer and "Edit as text" do."""

    text_name = "the text"

    def clean_text(self):
        text = self.cleaned_data["text"]
        footnote = self.text_name == "the footnote"
        if problem := written_text_problem(text, self.text_name, footnote=footnote):
            raise ValidationError(f"{capfirst(problem)}.")
        return text


class ClaimAdminForm(TextLimitMixin, VersionedModelForm):
    """The claim's own admin page (ClaimAdmin)."""

    text_name = "the claim"


class ClaimInlineForm(TextLimitMixin, PositionedInlineForm):
    """A claim's row on its section's page (ClaimInline)."""

    text_name = "the claim"


class CitationInlineForm(TextLimitMixin, PositionedInlineForm):
    """A footnote's row on its claim's page (CitationInline)."""

    text_name = "the footnote"


class EditTextForm(forms.Form):
    text = forms.CharField(
        required=False,
        strip=False,
        # Without JavaScript the box does not wrap, and is as tall as the text (rows, set
        # below), so that each number of the gutter beside it stands at its line;
        # static/monitor/edit-text.js lets it wrap and keeps the gutter in step.
        widget=forms.Textarea(
            attrs={"rows": 40, "cols": 120, "spellcheck": "false", "wrap": "off"}
        ),
    )
    # The text as opened, and its version: a stale submit is refused with the others' changes.
    base = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, profile: Profile, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.document = None
        self.problems = []  # TextProblem: the real ones, each with its knock-ons
        self.more_problems = 0
        self.gutter = gutter_numbers(self.shown_text)
        rows = self.gutter.count("\n") + 2  # and one for the sideways scroll bar
        self.fields["text"].widget.attrs["rows"] = max(rows, 10)

    @property
    def knock_on_count(self) -> int:
        return sum(len(problem.knock_ons) for problem in self.problems)

    @property
    def shown_text(self) -> str:
        """The text the box shows: as submitted, or as opened."""
        return normalise_newlines(self["text"].value() or "")

    @property
    def numbered_lines(self) -> list:
        """The refused text's lines, numbered, for the errors to link to (none without a
        problem on a line)."""
        if not self.errors.get("text") or not any(problem.line for problem in self.problems):
            return []
        return numbered_lines(self.shown_text, self.problems)

    def clean_text(self):
        text = normalise_newlines(self.cleaned_data["text"])
        try:
            self.document = profile_text_read(profile=self.profile, text=text)
        except ProfileFormatError as error:
            # The knock-ons of a problem are shown folded under it, not as errors of their own.
            self.problems, self.more_problems = text_problems(error)
            messages = [problem_text(problem) for problem in self.problems]
            if more := self.more_problems:
                messages.append(f"… and {more:,} more problem{'s' if more > 1 else ''}")
            raise ValidationError(messages) from None
        return text

    def clean_base(self):
        return normalise_newlines(self.cleaned_data["base"])
