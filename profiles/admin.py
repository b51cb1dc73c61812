"""The editors' admin for countries, treaties, topics and profiles.

Every admin derives from history.admin.HistoryAdmin, so every change page has a History
button and refuses to save over what someone else saved since it was opened.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import OuterRef, Prefetch, Q, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from citations.models import Citation, CitationSource
from history.admin import (
    HistoryAdmin,
    PositionedInline,
    PreloadedAutocompleteInline,
    change_link,
    joined_names,
    show_whitespace,
    subquery_count,
)
from history.changelist import url_with_pk
from profiles import admin_views
from profiles.forms import (
    CitationInlineForm,
    ClaimAdminForm,
    ClaimInlineForm,
    ProfileAdminForm,
)
from profiles.models import (
    Claim,
    Country,
    Profile,
    ProfileState,
    Publication,
    PublicTreatyStatus,
    Section,
    Topic,
    Treaty,
    TreatyStatus,
    TreatyStatusFacts,
)
from profiles.publishing import (
    PublishBlocked,
    profile_publish,
    profile_withdraw,
    treaty_statuses_publish,
)


class ReadOnlyMixin:
    """For an admin of rows only the publishing services write: listed, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Countries, treaties and topics.


class TreatyStatusInline(PreloadedAutocompleteInline, admin.TabularInline):
    """A country's statuses, one row per treaty."""

    model = TreatyStatus
    extra = 0
    fields = ["treaty", *TreatyStatusFacts.FACTS]
    autocomplete_fields = ["treaty"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country", "treaty")


class TreatyCountryStatusInline(TreatyStatusInline):
    """A treaty's statuses, one row per country."""

    fields = ["country", *TreatyStatusInline.fields[1:]]
    autocomplete_fields = ["country"]
    ordering = ["country__name"]


@admin.register(Country)
class CountryAdmin(HistoryAdmin):
    list_display = ["name", "official_name", "iso3", "region", "is_other_area", "profile_count"]
    list_filter = ["region", "is_other_area"]
    search_fields = ["name", "official_name", "iso3", "alternative_names", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "official_name", "slug", "iso3", "region", "is_other_area"]}),
        ("Other names", {"fields": ["alternative_names"]}),
    ]
    inlines = [TreatyStatusInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(profile_count=subquery_count(Profile.objects.all(), "country"))
        )

    @admin.display(description="profiles", ordering="profile_count")
    def profile_count(self, obj):
        return obj.profile_count


@admin.register(Treaty)
class TreatyAdmin(HistoryAdmin):
    list_display = ["name", "short_name", "adopted_on", "entry_into_force_on"]
    search_fields = ["name", "short_name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]
    inlines = [TreatyCountryStatusInline]


class PublicState(models.TextChoices):
    PUBLISHED = "published", "Published"
    CHANGED = "changed", "Unpublished changes"
    UNPUBLISHED = "unpublished", "Not published"


def _public_state():
    """Compare each treaty status with its public copy: the same facts, other facts, none."""
    public = PublicTreatyStatus.objects.filter(
        country=OuterRef("country"), treaty=OuterRef("treaty")
    )
    # NULL equals nothing in SQL: compare empty dates as a date no status can hold.
    never = Value(datetime.date.min)
    same = public
    for name in TreatyStatusFacts.FACTS:
        if name.endswith("_on"):
            same = same.alias(**{f"same_{name}": Coalesce(name, never)}).filter(
                **{f"same_{name}": Coalesce(OuterRef(name), never)}
            )
        else:
            same = same.filter(**{name: OuterRef(name)})
    return models.Case(
        models.When(models.Exists(same), then=Value(PublicState.PUBLISHED)),
        models.When(models.Exists(public), then=Value(PublicState.CHANGED)),
        default=Value(PublicState.UNPUBLISHED),
    )


@admin.register(TreatyStatus)
class TreatyStatusAdmin(HistoryAdmin):
    """The working copy of the treaty statuses. The public reads a status once a profile
    reporting it is published, or once a publisher publishes it here."""

    list_display = [
        "country",
        "treaty",
        "status",
        "signed_on",
        "joined_on",
        "joined_by",
        "in_force_on",
        "last_report_submitted_on",
        "public_state",
    ]
    list_filter = ["treaty", "status", "joined_by", "country__region"]
    search_fields = ["country__name", "country__iso3", "treaty__name", "treaty__short_name"]
    autocomplete_fields = ["country", "treaty"]
    list_select_related = ["country", "treaty"]
    ordering = ["treaty__name", "country__name"]
    actions = ["publish_statuses"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("country", "treaty")
            .annotate(public_state=_public_state())
        )

    @admin.display(description="public site", ordering="public_state")
    def public_state(self, obj):
        return PublicState(obj.public_state).label

    def has_publish_permission(self, request):
        return request.user.has_perm("profiles.publish_profile")

    @admin.action(description="Publish the selected treaty statuses", permissions=["publish"])
    def publish_statuses(self, request, queryset):
        changed = treaty_statuses_publish(statuses=list(queryset), user=request.user)
        unchanged = len(queryset) - changed
        message = f"Published {changed} treaty status{pluralize(changed, 'es')}."
        if unchanged:
            message += f" {unchanged} {pluralize(unchanged, 'was,were')} already public as is."
        self.message_user(request, message, messages.SUCCESS)


@admin.register(PublicTreatyStatus)
class PublicTreatyStatusAdmin(ReadOnlyMixin, HistoryAdmin):
    """What the public site shows: read only, written by publishing."""

    list_display = ["country", "treaty", "status", "signed_on", "joined_on", "in_force_on"]
    list_filter = ["treaty", "status"]
    search_fields = ["country__name", "country__iso3", "treaty__name"]
    list_select_related = ["country", "treaty"]


@admin.register(Topic)
class TopicAdmin(HistoryAdmin):
    list_display = ["name", "slug", "treaty"]
    list_filter = ["treaty"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["treaty"]
    list_select_related = ["treaty"]
    ordering = ["name"]


# Profiles and their sections and claims.


class SectionInline(PositionedInline, admin.TabularInline):
    model = Section
    fields = ["position", "kind", "heading", "level", "claim_count", "edit_link"]
    readonly_fields = ["claim_count", "edit_link"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("profile__country", "profile__topic")
            .annotate(claim_count=subquery_count(Claim.objects.all(), "section"))
        )

    @admin.display(description="claims")
    def claim_count(self, obj):
        return obj.claim_count if obj.pk else ""


class ProfileStateFilter(admin.SimpleListFilter):
    """Filter profiles by where they stand with the public (ProfileQuerySet.with_state())."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return ProfileState.choices

    def queryset(self, request, queryset):
        if self.value() in ProfileState.values:
            return queryset.filter(state_code=self.value())
        return queryset


@admin.register(Profile)
class ProfileAdmin(HistoryAdmin):
    form = ProfileAdminForm
    list_display = [
        "country",
        "topic",
        "last_updated",
        "state_badge",
        "section_count",
        "claim_count",
        "editor_link",
    ]
    list_filter = [ProfileStateFilter, "topic", "country__region"]
    actions = ["publish_selected", "withdraw_selected"]
    search_fields = ["country__name", "country__official_name", "topic__name"]
    autocomplete_fields = ["country", "topic"]
    list_select_related = ["country", "topic"]
    # The list shows the state from with_state()'s annotations; the latest edition itself
    # (with its snapshot, the whole profile) only the change form fetches.
    object_select_related = ["latest_publication"]
    ordering = ["country__name", "topic__name"]
    date_hierarchy = "last_updated"
    fieldsets = [
        (None, {"fields": ["country", "topic", "last_updated"]}),
        (
            "Status box (older layout)",
            {"fields": ["status_box_heading", "status_box"], "classes": ["collapse"]},
        ),
        (
            "Plain-text layout",
            {
                "fields": ["compact_footnotes"],
                "classes": ["collapse"],
                "description": "How the plain-text export lays this profile out.",
            },
        ),
        ("Internal", {"fields": ["notes"]}),
    ]
    inlines = [SectionInline]

    @admin.display(description="Editor")
    def editor_link(self, profile):
        url = url_with_pk("admin:profiles_profile_editor", profile.pk)
        return format_html('<a href="{}">Open the editor</a>', url)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("country", "topic")
            .with_state()
            .annotate(
                section_count=subquery_count(Section.objects.all(), "profile"),
                claim_count=subquery_count(Claim.objects.all(), "section__profile"),
            )
        )

    def get_urls(self):
        return [*admin_views.urls(self), *super().get_urls()]

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # Each record names its latest edition ("edition 2"), not its snapshot, the whole
        # profile: decoding one a record took 40 ms a page of 50 records.
        queryset = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return queryset.defer("latest_publication__snapshot", "latest_publication__checksum")

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("profiles.publish_profile")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Show the profile with its readiness to publish: claims, sources and reviews."""
        if object_id.isdigit():
            extra_context = {
                **(extra_context or {}),
                **admin_views.readiness_context(int(object_id)),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Publish the selected profiles", permissions=["publish"])
    def publish_selected(self, request, queryset):
        created = unchanged = 0
        blocked = []
        for profile in queryset:
            try:
                result = profile_publish(profile=profile, user=request.user)
            except PublishBlocked as refusal:
                blocked.append(str(refusal))
                continue
            created += result.created
            unchanged += not result.created
        self.message_user(
            request, f"Published {created} new edition(s); {unchanged} profile(s) were unchanged."
        )
        if blocked:
            self.message_user(
                request,
                format_html(
                    "Not published, {} profile(s) blocked:<ul>{}</ul>",
                    len(blocked),
                    format_html_join("", "<li>{}</li>", ((reason,) for reason in blocked)),
                ),
                messages.ERROR,
            )

    @admin.action(description="Withdraw the selected profiles", permissions=["publish"])
    def withdraw_selected(self, request, queryset):
        withdrawn = sum(
            profile_withdraw(profile=profile, user=request.user) for profile in queryset
        )
        self.message_user(request, f"Withdrew {withdrawn} profile(s) from the public site.")

    @admin.display(description="state", ordering="state_code")
    def state_badge(self, obj):
        return format_html(
            '<span class="state-badge state-badge--{}">{}</span>', obj.state, obj.state_label
        )

    def view_on_site(self, obj):
        # Straight to the public page rather than through the admin's redirect view; a
        # profile with nothing public opens its draft preview (the public page is a 404).
        if obj.is_public:
            return obj.get_absolute_url()
        return reverse("profiles:profile_draft", args=[obj.country.slug, obj.topic.slug])

    @admin.display(description="sections", ordering="section_count")
    def section_count(self, obj):
        return obj.section_count

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj):
        return obj.claim_count


class ClaimInline(PositionedInline, admin.TabularInline):
    model = Claim
    form = ClaimInlineForm
    fields = ["position", "paragraph", "text", "no_citation_needed", "footnotes", "edit_link"]
    readonly_fields = ["footnotes", "edit_link"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})},
        models.PositiveIntegerField: {"widget": forms.NumberInput(attrs={"style": "width: 4em"})},
    }

    def get_queryset(self, request):
        citations = Citation.objects.order_by("position")
        # Footnote numbers are not stored: count the citations before each claim.
        earlier = Citation.objects.filter(
            Q(claim__section__position__lt=OuterRef("section__position"))
            | Q(claim__section=OuterRef("section"), claim__position__lt=OuterRef("position")),
            claim__section__profile=OuterRef("section__profile"),
        )
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("citations", queryset=citations))
            .annotate(
                footnotes_before=subquery_count(
                    earlier, "claim__section__profile", outer=OuterRef("section__profile")
                )
            )
        )

    @admin.display(description="footnotes")
    def footnotes(self, obj):
        if obj.pk is None:
            return ""
        citations = obj.citations.all()
        if not citations:
            return "No citation needed" if obj.no_citation_needed else "Unsourced"
        first = getattr(obj, "footnotes_before", 0) + 1
        rows = ((number, citation.text) for number, citation in enumerate(citations, first))
        return format_html(
            '<div style="min-width: 22em">{}</div>',
            format_html_join("", "<p>[{}] {}</p>", rows),
        )


@admin.register(Section)
class SectionAdmin(HistoryAdmin):
    list_display = ["section", "profile", "position", "kind", "level", "claim_count"]
    list_filter = ["kind", "level", "profile__topic", "profile__country__region"]
    search_fields = ["heading", "profile__country__name", "profile__topic__name"]
    autocomplete_fields = ["profile"]
    list_select_related = ["profile__country", "profile__topic"]
    # Served by the unique (profile, position) index; see CitationAdmin.ordering. Ordered by
    # the profiles' names, the page sorted every section (10 ms at full scale).
    ordering = ["profile_id", "position"]
    fields = ["profile", "profile_link", "position", "kind", "heading", "level"]
    readonly_fields = ["profile_link"]
    inlines = [ClaimInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("profile__country", "profile__topic")
            .annotate(claim_count=subquery_count(Claim.objects.all(), "section"))
        )

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj):
        return obj.claim_count

    @admin.display(description="section", ordering="heading")
    def section(self, obj):
        return obj.label_in_parent

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        queryset = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return queryset.select_related("profile__country", "profile__topic")

    @admin.display(description="back to")
    def profile_link(self, obj):
        return change_link(obj.profile, f"{obj.profile} →") if obj.profile_id else "—"


class CitationInline(PositionedInline, admin.TabularInline):
    model = Citation
    form = CitationInlineForm
    fields = ["position", "text", "cited_sources", "review", "edit_link"]
    readonly_fields = ["cited_sources", "review", "edit_link"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 80})},
    }

    def get_queryset(self, request):
        links = CitationSource.objects.select_related("source").order_by("position")
        return (
            super()
            .get_queryset(request)
            .select_related("reviewed_by")
            .prefetch_related(Prefetch("source_links", queryset=links))
        )

    @admin.display(description="review")
    def review(self, obj):
        """Show the fact-checker's verdict; it is changed in the review queue, never here."""
        if obj.pk is None:
            return ""
        if obj.reviewed_by is None:
            return obj.get_review_state_display()
        return format_html(
            "{} by {}<br>{}",
            obj.get_review_state_display(),
            obj.reviewed_by,
            obj.review_note,
        )

    @admin.display(description="sources")
    def cited_sources(self, obj):
        if obj.pk is None:
            return ""
        links = obj.source_links.all()
        if not links:
            return "—"
        items = ((change_link(link.source, link),) for link in links)
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", items))


@admin.register(Claim)
class ClaimAdmin(HistoryAdmin):
    form = ClaimAdminForm
    list_display = [
        "__str__",
        "section_name",
        "profile",
        "position",
        "paragraph",
        "citation_count",
        "no_citation_needed",
    ]
    list_filter = ["no_citation_needed", "section__kind", "section__profile__topic"]
    search_fields = ["text", "section__heading", "section__profile__country__name"]
    autocomplete_fields = ["section"]
    list_select_related = ["section"]  # its profile's name is a subquery: joined_names()
    object_select_related = ["section__profile__country", "section__profile__topic"]
    # Served by the unique (section, position) index; see CitationAdmin.ordering.
    ordering = ["section_id", "position"]
    fields = [
        "section",
        "back_links",
        "position",
        "paragraph",
        "text",
        "no_citation_needed",
        "separator_shown",
    ]
    # `separator` is layout white space kept by the plain-text importer; a form would strip it.
    readonly_fields = ["back_links", "separator_shown"]
    inlines = [CitationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                citation_count=subquery_count(Citation.objects.all(), "claim"),
                profile_name=joined_names(
                    Profile, OuterRef("section__profile"), "country", "topic", separator=" — "
                ),
            )
        )

    @admin.display(description="profile", ordering="section__profile")
    def profile(self, obj):
        return obj.profile_name

    @admin.display(description="section", ordering="section__heading")
    def section_name(self, obj):
        return obj.section.label_in_parent

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, obj):
        return obj.citation_count

    @admin.display(description="back to")
    def back_links(self, obj):
        if not obj.section_id:
            return "—"
        return format_html(
            '<a href="{}">The profile editor, at this claim →</a> · {} · {}',
            self._editor_url(obj),
            change_link(obj.section.profile, f"{obj.section.profile} →"),
            change_link(obj.section, f"{obj.section} →"),
        )

    # Without a `next` address (HistoryAdmin follows one), a saved claim goes back to its
    # place in its profile's editor rather than to the list of every claim.

    def response_post_save_change(self, request, obj):
        return redirect(self.next_url(request) or self._editor_url(obj))

    def response_post_save_add(self, request, obj):
        return redirect(self.next_url(request) or self._editor_url(obj))

    @staticmethod
    def _editor_url(obj) -> str:
        url = reverse("admin:profiles_profile_editor", args=[obj.section.profile_id])
        return f"{url}#claim-{obj.pk}"

    @admin.display(description="space before the claim")
    def separator_shown(self, obj):
        return show_whitespace(obj.separator)


@admin.register(Publication)
class PublicationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Editions are immutable: listed and viewed here, never edited or deleted."""

    list_display = ["profile", "number", "published_at", "published_by", "last_updated", "note"]
    list_filter = ["profile__topic", "published_at"]
    search_fields = ["profile__country__name", "profile__topic__name"]
    list_select_related = ["profile__country", "profile__topic", "published_by"]
    ordering = ["-published_at"]
    readonly_fields = [
        "profile",
        "number",
        "published_at",
        "published_by",
        "last_updated",
        "note",
        "checksum",
        "snapshot",
    ]

    def view_on_site(self, obj):
        return obj.get_absolute_url()


# The readers' side of the desk (correction requests, alert subscriptions) and the report
# cycle's releases, each in its own module.
from profiles import admin_readers, admin_releases  # noqa: E402, F401
