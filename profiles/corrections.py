"""Readers' reports of errors in published profiles ("Report an error"), for the editors' desk.

A reader reports from what they were reading: an edition of a public profile, and maybe one
note of it (`?note=3`, numbered as in that edition) or one claim (`?claim=12`, its place in
the edition from 1, as the site search numbers claims). The request keeps what they saw as
they saw it (the edition, the note's number, the note's or the claim's text) and links the
working copy's claim with that text, while one has it, so that the desk leads to the claim
in the editor.

Abuse is kept small: a honeypot field people never see (a bot that fills it is thanked and
nothing is stored), at most REPORTS_PER_CLIENT reports an hour from one client, texts of at
most TEXT_LIMIT characters, and CSRF protection (the form page sets the CSRF cookie; the
report pages still set none).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.http import Http404

from history.changesets import change_set
from history.writer import record_as
from monitor import ratelimit
from profiles.models import ChangeSetAction, Claim, CorrectionRequest, Profile, Publication
from profiles.snapshots import section_anchors

TEXT_LIMIT = 2000
# A reader going through a profile note by note may send several reports in a row.
REPORTS_PER_CLIENT = 10
CLIENT_WINDOW = 3600
# The field people never see; a bot that fills in every field fills this one too.
HONEYPOT = "website"
# Edition, note and claim numbers are stored as PositiveIntegerField.
MAX_NUMBER = 2_147_483_647
READER_REASON = "Reported by a reader"

NOT_PUBLIC = "There is no published profile “{topic}” for “{country}”."


class BadTarget(ValueError):
    """What the reader points at (edition, note or claim) is not in the profile."""


# What the reader was reading --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """An edition of a public profile, and the note or claim in it the reader reports (if any).

    `claim_text` and `claim_heading` name the claim concerned, as in the edition: the claim
    reported, or the claim citing the note reported.
    """

    publication: Publication
    note: int | None = None
    claim: int | None = None
    quoted_text: str = ""
    claim_text: str = ""
    claim_heading: str = ""
    anchor: str = ""  # where the note or claim is on the edition's page

    @property
    def profile(self) -> Profile:
        return self.publication.profile

    @property
    def is_latest(self) -> bool:
        return self.publication.number == self.publication.latest_number

    @property
    def what(self) -> str:
        """What is reported, in words: "note 3", "a passage", or "the profile"."""
        if self.note:
            return f"note {self.note}"
        if self.claim:
            return "a passage"
        return "the profile"

    @property
    def page_url(self) -> str:
        """The page the reader was reading, at the note or claim."""
        if self.is_latest:
            url = self.profile.get_absolute_url()
        else:
            url = self.publication.get_absolute_url()
        return f"{url}#{self.anchor}" if self.anchor else url

    @property
    def params(self) -> dict[str, int]:
        """The form's hidden fields: what the report is about."""
        params = {"edition": self.publication.number}
        if self.note:
            params["note"] = self.note
        if self.claim:
            params["claim"] = self.claim
        return params


def reported_target(*, country: str, topic: str, params: Mapping[str, str]) -> Target:
    """Return what a reader reports from `params` (`edition`, `note`, `claim`: the query of
    the form's address, or its hidden fields): one query, two when an edition is missing.

    Raise Http404 when the profile is not public (a draft, withdrawn, or none), BadTarget
    naming the problem when the edition, note or claim is not in it.
    """
    edition = _number(params.get("edition"), "edition")
    note = _number(params.get("note"), "note")
    claim = _number(params.get("claim"), "passage")
    if note and claim:
        raise BadTarget("Report a note or a passage, not both at once.")
    editions = (
        Publication.objects.public()
        .of(country, topic)
        .select_related("profile__country", "profile__topic")
        .annotate(latest_number=F("profile__latest_publication__number"))
    )
    if edition is None:
        publication = editions.filter(profile__latest_publication=F("pk")).first()
    else:
        publication = editions.filter(number=edition).first()
    if publication is None:
        profile = Profile.objects.public().of(country, topic).values("latest_publication__number")
        latest = profile.first()
        if latest is None:
            raise Http404(NOT_PUBLIC.format(country=country, topic=topic))
        raise BadTarget(
            f"This profile has no edition {edition}: its editions are numbered 1 to "
            f"{latest['latest_publication__number']}."
        )
    if note:
        return _note_target(publication, note)
    if claim:
        return _claim_target(publication, claim)
    return Target(publication=publication)


def _number(value: str | None, what: str) -> int | None:
    if value is None or value == "":
        return None
    if not re.fullmatch(r"[0-9]{1,10}", value) or not 1 <= int(value) <= MAX_NUMBER:
        raise BadTarget(f"The {what} number must be a whole number from 1, not “{value[:20]}”.")
    return int(value)


def _note_target(publication: Publication, number: int) -> Target:
    snapshot = publication.snapshot
    footnotes = {footnote["number"]: footnote for footnote in snapshot["footnotes"]}
    if number not in footnotes:
        notes = f"its notes are numbered 1 to {len(footnotes)}" if footnotes else "it has no notes"
        raise BadTarget(
            f"Edition {publication.number} of this profile has no note {number}: {notes}."
        )
    citing = next(
        (
            (section, claim)
            for section in snapshot["sections"]
            for claim in section["claims"]
            if number in claim["footnotes"]
        ),
        None,
    )
    section, claim = citing or ({}, {})
    return Target(
        publication=publication,
        note=number,
        quoted_text=footnotes[number]["text"],
        claim_text=claim.get("text", ""),
        claim_heading=section.get("heading", ""),
        anchor=f"fn-{number}",
    )


def _claim_target(publication: Publication, place: int) -> Target:
    snapshot = publication.snapshot
    claims = [
        (section, anchor, claim)
        for section, anchor in zip(snapshot["sections"], section_anchors(snapshot), strict=True)
        for claim in section["claims"]
    ]
    if place > len(claims):
        raise BadTarget(
            f"Edition {publication.number} of this profile has no passage {place}: its "
            f"passages are numbered 1 to {len(claims)}."
        )
    section, anchor, claim = claims[place - 1]
    return Target(
        publication=publication,
        claim=place,
        quoted_text=claim["text"],
        claim_text=claim["text"],
        claim_heading=section["heading"],
        anchor=anchor,
    )


def working_claim(target: Target) -> Claim | None:
    """The working copy's claim with the reported claim's text, in the same profile: of a
    section with the same heading first, else the first in reading order. One query."""
    if not target.claim_text:
        return None
    return (
        Claim.objects.filter(section__profile=target.profile, text=target.claim_text)
        .annotate(
            other_heading=Case(
                When(section__heading=target.claim_heading, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("other_heading", "section__position", "position")
        .first()
    )


# The form ---------------------------------------------------------------------------------------


def _too_long(what: str) -> str:
    return (
        f"Please keep {what} to {TEXT_LIMIT:,} characters (it has %(show_value)s characters): "
        "the editors read every word. A link to a longer document is welcome."
    )


class CorrectionForm(forms.Form):
    """What the reader says is wrong, their source and (optionally) their address, and the
    honeypot field. What they report (edition, note, claim) comes in the hidden fields the
    template writes from Target.params, read by reported_target()."""

    what_is_wrong = forms.CharField(
        label="What is wrong?",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the profile says, and what it should say instead.",
        error_messages={
            "required": "Tell us what is wrong: this field is empty.",
            "max_length": _too_long("what is wrong"),
        },
    )
    source = forms.CharField(
        label="Your source (optional)",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A link, or a document with its author and date: the editors check it.",
        error_messages={"max_length": _too_long("the source")},
    )
    email = forms.EmailField(
        label="Your email address (optional)",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Only if you would like an answer. We use it for nothing else.",
        error_messages={
            "invalid": "This is not an email address: check it, or leave the field empty.",
        },
    )
    # Hidden from people by the template (visually hidden, aria-hidden, out of the tab order).
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def full_clean(self):
        super().full_clean()
        for name in self.errors:  # the field's error, above it, read with it
            if name in self.fields:
                described = [f"{self[name].auto_id}-error"]
                if self.fields[name].help_text:
                    described.append(f"{self[name].auto_id}_helptext")
                self.fields[name].widget.attrs["aria-describedby"] = " ".join(described)

    @property
    def is_spam(self) -> bool:
        """Whether the honeypot field was filled in (by a bot: people never see it)."""
        return bool(self.cleaned_data.get(HONEYPOT))


def client_may_report(request) -> bool:
    """Count one report from the request's client; False when over the limit."""
    return ratelimit.hit_client(
        request, "corrections", limit=REPORTS_PER_CLIENT, window=CLIENT_WINDOW
    )


# Creating the request ---------------------------------------------------------------------------


def correction_request_create(
    *, target: Target, what_is_wrong: str, source: str = "", email: str = ""
) -> CorrectionRequest:
    """Store a reader's report of what they were reading, linked to the working copy's claim
    with the reported text when there is one."""
    with transaction.atomic(), change_set(action=ChangeSetAction.OTHER, reason=READER_REASON):
        correction = CorrectionRequest(
            profile=target.profile,
            edition=target.publication.number,
            footnote=target.note,
            claim=working_claim(target),
            quoted_text=target.quoted_text,
            what_is_wrong=what_is_wrong,
            source=source,
            email=email,
        )
        record_as(correction, user=None, reason=READER_REASON)
        correction.save()
    return correction
