"""The editors' admin for citations (footnotes) and their sources."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from citations.models import Citation, CitationSource, Source
from profiles.admin import (
    HistoryAdmin,
    PositionedInline,
    change_link,
    show_whitespace,
    subquery_count,
)


class CitationSourceInline(PositionedInline, admin.TabularInline):
    model = CitationSource
    fields = ["position", "source", "pinpoint", "edit_link"]
    readonly_fields = ["edit_link"]
    autocomplete_fields = ["source"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")


@admin.register(Citation)
class CitationAdmin(HistoryAdmin):
    list_display = ["__str__", "claim_profile", "position", "source_count"]
    list_filter = ["claim__section__profile__topic", "claim__section__profile__country__region"]
    search_fields = ["text", "claim__text", "claim__section__profile__country__name"]
    autocomplete_fields = ["claim"]
    list_select_related = ["claim__section__profile__country", "claim__section__profile__topic"]
    ordering = ["claim", "position"]
    fields = ["claim", "back_links", "position", "text", "marker_spacing_shown"]
    # `marker_spacing` is layout white space kept by the plain-text importer; a form would
    # strip it.
    readonly_fields = ["back_links", "marker_spacing_shown"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 4, "cols": 90})},
    }
    inlines = [CitationSourceInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("claim__section__profile__country", "claim__section__profile__topic")
            .annotate(source_count=subquery_count(CitationSource.objects.all(), "citation"))
        )

    @admin.display(description="profile", ordering="claim__section__profile")
    def claim_profile(self, obj):
        return obj.claim.section.profile

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


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = ["__str__", "kind", "author", "title", "date", "citation_count"]
    list_filter = ["kind", "date"]
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
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(citation_count=subquery_count(CitationSource.objects.all(), "source"))
        )

    @admin.display(description="cited in", ordering="citation_count")
    def citation_count(self, obj):
        return obj.citation_count


@admin.register(CitationSource)
class CitationSourceAdmin(HistoryAdmin):
    list_display = ["__str__", "citation", "position", "pinpoint"]
    search_fields = ["pinpoint", "citation__text", "source__author", "source__title"]
    list_filter = ["source__kind"]
    autocomplete_fields = ["citation", "source"]
    list_select_related = ["citation", "source"]
    ordering = ["citation", "position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("citation", "source")
