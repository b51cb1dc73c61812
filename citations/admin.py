"""The editors' admin for citations (footnotes) and their sources."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import OuterRef, Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator

from citations.admin_views import footnotes_before
from citations.filters import ANY_STATE
from citations.forms import CitationAdminForm
from citations.models import REVIEW_FIELDS, Citation, CitationSource, Source
from citations.review_history import reviews_reset_in
from citations.services import citations_link_sources
from history.admin import (
    HistoryAdmin,
    PositionedInline,
    change_link,
    joined_names,
    show_whitespace,
    subquery_count,
)
from history.save_messages import save_reported
from profiles.models import Profile


@receiver(save_reported)
def reviews_reset_message(sender, *, change_set_id: int, **kwargs) -> list[tuple[int, str]]:
    """Say which reviews a save sent back to the fact-checkers, and what they were: an edit
    that changes the text under review clears its verdict and note (two queries)."""
    resets = reviews_reset_in(change_set_id)
    if not resets:
        return []
    citations = (
        Citation.objects.filter(pk__in=[reset.citation_id for reset in resets])
        .select_related("claim__section__profile__country", "claim__section__profile__topic")
        .annotate(footnotes_before=footnotes_before())
        .in_bulk()
    )
    profiles = {citation.claim.section.profile_id for citation in citations.values()}

    def described(reset):
        citation = citations[reset.citation_id]
        where = "" if len(profiles) == 1 else f" of {citation.claim.section.profile}"
        return f"footnote [{citation.footnotes_before + 1}]{where} (was {reset.was.label})"

    shown = [described(reset) for reset in resets if reset.citation_id in citations]
    if not shown:
        return []
    count = len(shown)
    text = (
        f"{count} review{'s were' if count != 1 else ' was'} reset because "
        f"{'their' if count != 1 else 'its'} text changed: {', '.join(shown)}. "
        f"{'They are' if count != 1 else 'It is'} back in the fact-checkers' review queue."
    )
    return [(messages.WARNING, text)]


class CitationSourceInline(PositionedInline, admin.TabularInline):
    model = CitationSource
    fields = ["position", "source", "pinpoint", "edit_link"]
    readonly_fields = ["edit_link"]
    autocomplete_fields = ["source"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")


@admin.register(Citation)
class CitationAdmin(HistoryAdmin):
    """Editors edit footnotes here. Their review is shown read-only: fact-checkers review in
    the review queue, and the review fields are not editable, so no form here can change them.

    Wherever the admin saves a footnote's new text (here, in its claim's inline, or by a
    revert), its sources are read from that text and linked as an import would link them.
    """

    form = CitationAdminForm

    list_display = [
        "__str__",
        "claim_profile",
        "position",
        "source_count",
        "review_state",
        "reviewed_by",
        "reviewed_at",
        "short_review_note",
    ]
    list_filter = [
        "review_state",
        "claim__section__profile__topic",
        "claim__section__profile__country__region",
    ]
    search_fields = ["text", "claim__text", "claim__section__profile__country__name"]
    autocomplete_fields = ["claim"]
    list_select_related = ["reviewed_by"]  # the profile's name is a subquery: joined_names()
    object_select_related = [
        "claim__section__profile__country",
        "claim__section__profile__topic",
        "reviewed_by",
        "text_changed_by",
    ]
    # Claims in the order they were written, each claim's citations in order: the unique
    # (claim, position) index serves it, where ordering by the claim's own place in its
    # profile would sort every citation on each page.
    ordering = ["claim_id", "position"]
    fieldsets = [
        (None, {"fields": ["claim", "back_links", "position", "text", "marker_spacing_shown"]}),
        (
            "Review",
            {
                "fields": [*REVIEW_FIELDS, "text_changed_by", "review_link"],
                "description": "Fact-checkers review in the review queue. Changing the text "
                "sends the citation back to review.",
            },
        ),
    ]
    # `marker_spacing` is layout white space kept by the plain-text importer; a form would
    # strip it.
    readonly_fields = [
        "back_links",
        "marker_spacing_shown",
        *REVIEW_FIELDS,
        "text_changed_by",
        "review_link",
    ]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 4, "cols": 90})},
    }
    inlines = [CitationSourceInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                source_count=subquery_count(CitationSource.objects.all(), "citation"),
                profile_name=joined_names(
                    Profile,
                    OuterRef("claim__section__profile"),
                    "country",
                    "topic",
                    separator=" — ",
                ),
            )
        )

    def rows_saved(self, request, rows, *, with_inlines=False):
        """Link new and edited footnotes to the sources their text cites, as an import does
        (citations.services.citations_link_sources), in the same change set.

        An editor who also changed the footnote's sources below its text, in the same save,
        has said what it cites: those links are kept.
        """
        edited = [citation for citation, changed in rows if "text" in changed]
        if not edited:
            return
        if with_inlines:
            self.message_user(
                request,
                "The sources were kept as you set them, not read from the new text.",
                messages.INFO,
            )
            return
        counts = citations_link_sources(
            citations=edited,
            user=request.user,
            reason="Sources read from a footnote edited in the admin",
        )
        if counts:
            done = "; ".join(f"{what}: {count}" for what, count in sorted(counts.items()))
            self.message_user(
                request, f"Sources read from the footnote’s text ({done}).", messages.INFO
            )

    @admin.display(description="note")
    def short_review_note(self, obj):
        note = obj.review_note
        if len(note) <= 60:  # most notes, without Truncator's cost a row
            return note or "—"
        return Truncator(note).chars(60)

    @admin.display(description="in the review queue")
    def review_link(self, obj):
        if not obj.pk:
            return "—"
        query = urlencode({"profile": obj.claim.section.profile_id, "state": ANY_STATE})
        return format_html(
            '<a href="{}?{}">Review this profile\'s citations →</a>',
            reverse("citations:review_queue"),
            query,
        )

    @admin.display(description="profile", ordering="claim__section__profile")
    def claim_profile(self, obj):
        return obj.profile_name

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, obj):
        return obj.source_count

    @admin.display(description="back to")
    def back_links(self, obj):
        if not obj.claim_id:
            return "—"
        claim = obj.claim
        return format_html(
            "{} · {}",
            change_link(claim.section.profile, f"{claim.section.profile} →"),
            change_link(claim, f"{claim} →"),
        )

    @admin.display(description="space before the marker")
    def marker_spacing_shown(self, obj):
        return show_whitespace(obj.marker_spacing)


class NotesByListFilter(admin.SimpleListFilter):
    """Filter sources by who took the notes, including sources that name nobody."""

    title = "notes by"
    parameter_name = "notes_by"
    NOBODY = "-"

    def lookups(self, request, model_admin):
        takers = (
            Source.objects.exclude(notes_by="")
            .order_by("notes_by")
            .values_list("notes_by", flat=True)
            .distinct()
        )
        return [*((taker, taker) for taker in takers), (self.NOBODY, "Nobody named")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(notes_by="" if self.value() == self.NOBODY else self.value())


class CitedListFilter(admin.SimpleListFilter):
    """Find sources no footnote cites any more (the library keeps them)."""

    title = "cited"
    parameter_name = "cited"

    def lookups(self, request, model_admin):
        return [("yes", "Cited"), ("no", "Not cited")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(citation_count__gt=0)
        if self.value() == "no":
            return queryset.filter(citation_count=0)
        return queryset


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    """The source library: each source is stored once, for every footnote that cites it, and
    its page lists those footnotes. The importer fills it from footnote texts
    (citations.sources); editors correct and complete it here."""

    list_display = ["__str__", "kind", "date", "place", "notes_by", "citation_count"]
    list_filter = ["kind", "date", NotesByListFilter, CitedListFilter]
    search_fields = [
        "author",
        "organisation",
        "title",
        "event",
        "place",
        "publisher",
        "notes_by",
        "url",
    ]
    date_hierarchy = "date"
    ordering = ["-date", "title"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["kind", "author", "organisation", "title"]}),
        ("Where and when", {"fields": ["event", "place", "date", "pages", "publisher"]}),
        ("Online", {"fields": ["url", "archived_url", "accessed_on"]}),
        ("Notes", {"fields": ["notes_by"]}),
        ("Where it is cited", {"fields": ["used_in"]}),
    ]
    readonly_fields = ["used_in"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(citation_count=subquery_count(CitationSource.objects.all(), "source"))
        )

    @admin.display(description="cited in", ordering="citation_count")
    def citation_count(self, obj):
        return obj.citation_count

    @admin.display(description="footnotes")
    def used_in(self, obj):
        """List every footnote citing this source: country, topic, footnote and claim."""
        if obj.pk is None:
            return "—"
        links = list(self.usage(obj))
        if not links:
            return "No footnote cites this source."

        def row(link):
            citation, claim = link.citation, link.citation.claim
            profile = claim.section.profile
            return (
                profile.country,
                change_link(profile, profile.topic),
                change_link(citation, f"[{link.footnotes_before + 1}]"),
                change_link(claim, Truncator(claim.text).chars(140)),
                link.pinpoint or "—",
            )

        rows = format_html_join(
            "\n",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (row(link) for link in links),
        )
        return format_html(
            "<table><thead><tr><th>Country</th><th>Topic</th><th>Footnote</th><th>Claim</th>"
            "<th>Pinpoint</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @staticmethod
    def usage(source):
        """Return the source's links to footnotes, with their claims, profiles and footnote
        numbers (not stored: counted from the footnotes before each), in one query."""
        earlier = Citation.objects.filter(
            Q(claim__section__position__lt=OuterRef("citation__claim__section__position"))
            | Q(
                claim__section=OuterRef("citation__claim__section"),
                claim__position__lt=OuterRef("citation__claim__position"),
            )
            | Q(claim=OuterRef("citation__claim"), position__lt=OuterRef("citation__position"))
        )
        return (
            source.citation_links.select_related(
                "citation__claim__section__profile__country",
                "citation__claim__section__profile__topic",
            )
            .annotate(
                footnotes_before=subquery_count(
                    earlier,
                    "claim__section__profile",
                    outer=OuterRef("citation__claim__section__profile"),
                )
            )
            .order_by(
                "citation__claim__section__profile__country__name",
                "citation__claim__section__profile__topic__name",
                "citation__claim__section__position",
                "citation__claim__position",
                "citation__position",
                "position",
            )
        )


@admin.register(CitationSource)
class CitationSourceAdmin(HistoryAdmin):
    list_display = ["__str__", "citation", "position", "pinpoint"]
    search_fields = ["pinpoint", "citation__text", "source__author", "source__title"]
    list_filter = ["source__kind"]
    autocomplete_fields = ["citation", "source"]
    list_select_related = ["citation", "source"]
    ordering = ["citation_id", "position"]  # the unique index; see CitationAdmin.ordering

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("citation", "source")
