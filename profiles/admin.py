"""The editors' admin for countries, treaties, topics and profiles.

Every admin derives from history.admin.HistoryAdmin, so every change page has a History
button and refuses to save over what someone else saved since it was opened.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from citations.filters import ANY_STATE
from citations.models import Citation, CitationSource, ReviewState
from citations.readiness import Readiness
from history.admin import (
    HistoryAdmin,
    PositionedInline,
    PreloadedAutocompleteInline,
    change_link,
    show_whitespace,
    subquery_count,
)
from profiles import admin_history, edit_text
from profiles.forms import ProfileAdminForm
from profiles.models import (
    Claim,
    Country,
    Profile,
    Publication,
    Section,
    Topic,
    Treaty,
    TreatyStatus,
)
from profiles.publishing import PublishBlocked, profile_publish, profile_withdraw
from profiles.snapshots import build_snapshot, snapshot_checksum

# Countries, treaties and topics.


class TreatyStatusInline(PreloadedAutocompleteInline, admin.TabularInline):
    """A country's statuses, one row per treaty."""

    model = TreatyStatus
    extra = 0
    fields = [
        "treaty",
        "status",
        "signed_on",
        "joined_on",
        "joined_by",
        "in_force_on",
        "initial_report_due_on",
        "last_report_submitted_on",
    ]
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


@admin.register(TreatyStatus)
class TreatyStatusAdmin(HistoryAdmin):
    list_display = [
        "country",
        "treaty",
        "status",
        "signed_on",
        "joined_on",
        "joined_by",
        "in_force_on",
        "last_report_submitted_on",
    ]
    list_filter = ["treaty", "status", "joined_by", "country__region"]
    search_fields = ["country__name", "country__iso3", "treaty__name", "treaty__short_name"]
    autocomplete_fields = ["country", "treaty"]
    list_select_related = ["country", "treaty"]
    ordering = ["treaty__name", "country__name"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country", "treaty")


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
            .annotate(claim_count=subquery_count(Claim.objects.all(), "section"))
        )

    @admin.display(description="claims")
    def claim_count(self, obj):
        return obj.claim_count if obj.pk else ""


@admin.register(Profile)
class ProfileAdmin(HistoryAdmin):
    form = ProfileAdminForm
    list_display = [
        "country",
        "topic",
        "last_updated",
        "public_state",
        "section_count",
        "claim_count",
    ]
    list_filter = ["topic", "country__region"]
    actions = ["publish_selected", "withdraw_selected"]
    search_fields = ["country__name", "country__official_name", "topic__name"]
    autocomplete_fields = ["country", "topic"]
    list_select_related = ["country", "topic"]
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

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("country", "topic", "latest_publication")
            .annotate(
                section_count=subquery_count(Section.objects.all(), "profile"),
                claim_count=subquery_count(Claim.objects.all(), "section__profile"),
            )
        )

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path(
                "<path:object_id>/publish/",
                wrap(self.publish_view),
                name="profiles_profile_publish",
            ),
            path(
                "<path:object_id>/withdraw/",
                wrap(self.withdraw_view),
                name="profiles_profile_withdraw",
            ),
            path(
                "<path:object_id>/edit-text/",
                wrap(self.edit_text_view),
                name="profiles_profile_edit_text",
            ),
            *admin_history.urls(self),
            *super().get_urls(),
        ]

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("profiles.publish_profile")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Show the profile with its readiness to publish: claims, sources and reviews."""
        if object_id.isdigit():
            extra_context = {**(extra_context or {}), **readiness_context(int(object_id))}
        return super().change_view(request, object_id, form_url, extra_context)

    def publish_view(self, request, object_id):
        """Confirm, then publish the working copy as a new edition; show what is left to
        check first, and refuse while a citation is disputed."""
        profile = self._profile_for_publishing(request, object_id)
        if request.method == "POST":
            try:
                result = profile_publish(profile=profile, user=request.user)
            except PublishBlocked as blocked:
                self.message_user(request, f"Not published: {blocked}", messages.ERROR)
                return redirect("admin:profiles_profile_change", profile.pk)
            number = result.publication.number
            if result.created:
                self.message_user(request, f"Published {profile} as edition {number}.")
            elif result.restored:
                self.message_user(request, f"{profile} is public again (edition {number}).")
            else:
                self.message_user(
                    request,
                    f"Nothing to publish: {profile} is unchanged since edition {number}.",
                    messages.WARNING,
                )
            return redirect("admin:profiles_profile_change", profile.pk)
        tree = Profile.objects.with_tree().get(pk=profile.pk)
        latest = profile.latest_publication
        unchanged = latest is not None and latest.checksum == snapshot_checksum(
            build_snapshot(tree, TreatyStatus.objects.reported_in(tree).first())
        )
        readiness = readiness_context(profile.pk)
        context = {
            **self.admin_site.each_context(request),
            **readiness,
            "opts": self.opts,
            "title": f"Publish {profile}",
            "profile": profile,
            "latest": latest,
            "unchanged": unchanged,
            "next_number": (latest.number if latest else 0) + 1,
            "section_count": len(tree.sections.all()),
            "claim_count": readiness["readiness"].claims,
            "citation_count": readiness["readiness"].citations,
            "unsourced_count": readiness["readiness"].unsourced_claims,
        }
        return TemplateResponse(request, "admin/profiles/profile/publish_confirm.html", context)

    def withdraw_view(self, request, object_id):
        """Confirm, then withdraw the profile from every public page."""
        profile = self._profile_for_publishing(request, object_id)
        if request.method == "POST":
            if profile_withdraw(profile=profile, user=request.user):
                self.message_user(request, f"Withdrew {profile} from the public site.")
            else:
                self.message_user(request, f"{profile} was not public.", messages.WARNING)
            return redirect("admin:profiles_profile_change", profile.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Withdraw {profile}",
            "profile": profile,
            "latest": profile.latest_publication,
        }
        return TemplateResponse(request, "admin/profiles/profile/withdraw_confirm.html", context)

    def edit_text_view(self, request, object_id):
        """Edit the profile in the plain-text format: preview the changes, then apply them."""
        return edit_text.edit_text_view(self, request, object_id)

    def _profile_for_publishing(self, request, object_id) -> Profile:
        if not self.has_publish_permission(request):
            raise PermissionDenied
        profile = (
            Profile.objects.select_related("country", "topic", "latest_publication")
            .filter(pk=object_id)
            .first()
        )
        if profile is None:
            raise Http404("No such profile.")
        return profile

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

    @admin.display(description="public edition")
    def public_state(self, obj):
        if obj.latest_publication_id is None:
            return "Draft (never published)"
        if obj.withdrawn_at:
            return "Withdrawn"
        return f"Edition {obj.latest_publication.number}"

    def view_on_site(self, obj):
        # Link straight to the public page rather than through the admin's redirect view.
        return obj.get_absolute_url()

    @admin.display(description="sections", ordering="section_count")
    def section_count(self, obj):
        return obj.section_count

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj):
        return obj.claim_count


class ClaimInline(PositionedInline, admin.TabularInline):
    model = Claim
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
    list_display = ["__str__", "profile", "position", "kind", "level", "claim_count"]
    list_filter = ["kind", "level", "profile__topic", "profile__country__region"]
    search_fields = ["heading", "profile__country__name", "profile__topic__name"]
    autocomplete_fields = ["profile"]
    list_select_related = ["profile__country", "profile__topic"]
    ordering = ["profile__country__name", "profile__topic__name", "position"]
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

    @admin.display(description="back to")
    def profile_link(self, obj):
        return change_link(obj.profile, f"{obj.profile} →") if obj.profile_id else "—"


class CitationInline(PositionedInline, admin.TabularInline):
    model = Citation
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
    list_display = [
        "__str__",
        "section",
        "profile",
        "position",
        "paragraph",
        "citation_count",
        "no_citation_needed",
    ]
    list_filter = ["no_citation_needed", "section__kind", "section__profile__topic"]
    search_fields = ["text", "section__heading", "section__profile__country__name"]
    autocomplete_fields = ["section"]
    list_select_related = ["section__profile__country", "section__profile__topic"]
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
            .select_related("section__profile__country", "section__profile__topic")
            .annotate(citation_count=subquery_count(Citation.objects.all(), "claim"))
        )

    @admin.display(description="profile", ordering="section__profile")
    def profile(self, obj):
        return obj.section.profile

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, obj):
        return obj.citation_count

    @admin.display(description="back to")
    def back_links(self, obj):
        if not obj.section_id:
            return "—"
        return format_html(
            "{} · {}",
            change_link(obj.section.profile, f"{obj.section.profile} →"),
            change_link(obj.section, f"{obj.section} →"),
        )

    @admin.display(description="space before the claim")
    def separator_shown(self, obj):
        return show_whitespace(obj.separator)


def readiness_context(profile_id: int) -> dict:
    """Return what the readiness panel and the publish page show of a profile: its counts,
    links into the review queue for each review state, and its unsourced claims."""
    readiness = Readiness.of(profile_id)
    queue = reverse("citations:review_queue")

    def queue_url(state):
        return f"{queue}?{urlencode({'profile': profile_id, 'state': state})}"

    has_citation = Exists(Citation.objects.filter(claim=OuterRef("pk")))
    unsourced = (
        Claim.objects.filter(section__profile=profile_id, no_citation_needed=False)
        .exclude(has_citation)
        .select_related("section")
        .only("pk", "text", "section__heading", "section__kind")
        .order_by("section__position", "position")
    )
    return {
        "readiness": readiness,
        "readiness_states": [
            (state, label, readiness.citations_by_state[state], queue_url(state))
            for state, label in ReviewState.choices
        ],
        "readiness_queue_url": queue_url(ANY_STATE),
        "readiness_disputes_url": f"{reverse('citations:disputes')}?"
        f"{urlencode({'profile': profile_id})}",
        "unsourced_claims": list(unsourced),
    }


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    """Editions are immutable: listed and viewed here, never edited or deleted."""

    list_display = ["profile", "number", "published_at", "published_by", "last_updated"]
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
        "checksum",
        "snapshot",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def view_on_site(self, obj):
        return obj.get_absolute_url()
