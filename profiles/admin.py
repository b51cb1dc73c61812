"""The editors' admin for countries, treaties, topics and profiles.

Every admin derives from HistoryAdmin, so every change page has a History button listing who
changed which fields, from what to what. Ordered children (sections, claims, citations and
their sources) are edited in inlines that share PositionedInline, which lets editors reorder
rows by editing their positions.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from citations.filters import ANY_STATE
from citations.models import Citation, CitationSource, ReviewState
from citations.readiness import Readiness
from profiles import admin_history, edit_text
from profiles.forms import (
    VERSION_FIELD,
    InlineForm,
    KeyCheckedAutocompleteSelect,
    PositionedInlineForm,
    PositionedInlineFormSet,
    PreloadedAutocompleteSelect,
    ProfileAdminForm,
    VersionedInlineFormSet,
    VersionedModelForm,
)
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
from profiles.services import PublishBlocked, profile_publish, profile_withdraw
from profiles.snapshots import build_snapshot, snapshot_checksum
from profiles.versions import VERSION_ATTR, latest_version

# Helpers shared by the admins of both apps.


def change_link(obj, text=None):
    """Return a link to obj's admin change page."""
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or obj)


def subquery_count(queryset, field, *, outer=None):
    """Return an expression counting queryset's rows whose `field` is the outer row
    (or `outer`, when given).

    A correlated subquery, unlike Count() over a join, costs nothing for rows that are not
    displayed and does not multiply when two counts are annotated together.
    """
    counted = (
        queryset.filter(**{field: outer if outer is not None else OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


def show_whitespace(value):
    """Return layout white space in a form an editor can see, e.g. "' '" for one space."""
    if value == "":
        return "(none)"
    return repr(value) if value.isspace() else value


class ChangeDisplayHelper(HistoricalRecordContextHelper):
    """Show choices by their labels, booleans as yes/no and empty values as a dash."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and not isinstance(value, list):
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if value is None or value == "":
            return "—"
        if isinstance(value, str) and value.isspace():
            return show_whitespace(value)
        return super().prepare_delta_change_value(change, value)


class OpenedVersionField:
    """Mixin for model and inline admins whose forms carry the version they opened their
    objects at (profiles/forms.py), as a hidden field for those who may change them."""

    def get_fields(self, request, obj=None):
        return [name for name in super().get_fields(request, obj) if name != VERSION_FIELD]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if (
            obj is None
            or VERSION_FIELD not in getattr(self.form, "base_fields", {})
            or not self.has_change_permission(request, obj)
        ):
            return fieldsets
        if not fieldsets:
            return [(None, {"fields": [VERSION_FIELD]})]
        *others, (name, options) = fieldsets
        return [*others, (name, {**options, "fields": [*options["fields"], VERSION_FIELD]})]


class HistoryAdmin(OpenedVersionField, SimpleHistoryAdmin):
    """A ModelAdmin whose History page lists each change with the fields it changed, and
    whose change form refuses to save over what someone else saved since it was opened.

    simple-history diffs each record on a page against the next (older) one, which it has
    already fetched. This also diffs the page's last record against the one just beyond the page
    (one query), so every row shows its changes, and labels each row from the related objects
    the history query already selected rather than fetching them once a row.

    The change form and its inline rows carry their objects' versions (VersionedModelForm,
    VersionedInlineFormSet); a save that changes nothing writes no history record.
    """

    form = VersionedModelForm
    history_list_per_page = 50
    list_per_page = 50

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = KeyCheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def action_checkbox(self, obj):
        """Django's checkbox column, written out directly: rendering a form widget through the
        template engine for each row cost more than all the row's other columns."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def get_object(self, request, object_id, from_field=None):
        """Return the object with its version (VERSION_ATTR), read in the same query."""
        queryset = self.get_queryset(request).annotate(**{VERSION_ATTR: latest_version(self.model)})
        opts = self.model._meta
        field = opts.pk if from_field is None else opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # A refusal over inline rows is listed above those rows, maybe far down the page.
        stale = [
            inline.formset.model._meta.verbose_name_plural
            for inline in context.get("inline_admin_formsets", [])
            if getattr(inline.formset.management_form, "rebased", None)
        ]
        if stale:
            self.message_user(
                request,
                f"Someone else changed the {' and '.join(stale)} after you opened this page, "
                "so nothing was saved: see what they changed below, then save again.",
                messages.WARNING,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history lets anyone who may view the history post its revert form; reverting
        # changes the object, so it needs the permission to change it.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        # One transaction, as for the change form, in which the stale-save check locks the row.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        url_name = request.resolver_match.url_name if request.resolver_match else ""
        reverted = url_name.endswith("_simple_history")
        # A save that changes nothing writes no history record. The revert form starts from
        # the old version, so whether it changes anything is told from the stored row.
        if change and not (self._differs_from_stored(obj) if reverted else form.has_changed()):
            return
        obj._change_reason = "Reverted in the admin" if reverted else "Edited in the admin"
        super().save_model(request, obj, form, change)

    @staticmethod
    def _differs_from_stored(obj) -> bool:
        names = [field.attname for field in obj._meta.concrete_fields if field.editable]
        stored = type(obj)._default_manager.filter(pk=obj.pk).values(*names).first()
        return stored is None or any(stored[name] != getattr(obj, name) for name in names)

    def delete_model(self, request, obj):
        obj._change_reason = "Deleted in the admin"
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        parent = form.instance
        reason = f"Edited in the admin from {parent._meta.verbose_name} “{parent}”"
        for row in formset.forms:
            row.instance._history_user = request.user
            row.instance._change_reason = reason
        super().save_formset(request, form, formset, change)

    def get_historical_record_context_helper(self, request, historical_record):
        return ChangeDisplayHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)
        older = [*records[1:], self._record_after_page(historical_records)]
        for record, previous in zip(records, older, strict=True):
            self._label_from_selected_relations(record)
            if previous is None:
                continue
            delta = record.diff_against(previous, foreign_keys_are_objs=foreign_keys_are_objs)
            helper = self.get_historical_record_context_helper(request, record)
            record.history_delta_changes = helper.context_for_delta_changes(delta)

    @staticmethod
    def _record_after_page(page):
        if not (hasattr(page, "has_next") and page.has_next()):
            return None
        index = page.end_index()
        return next(iter(page.paginator.object_list[index : index + 1]), None)

    @staticmethod
    def _label_from_selected_relations(record):
        # `history_object` builds a fresh instance on each access, without the related objects
        # select_related() fetched for the record; build one that has them, so its __str__
        # does not query, and let it shadow the (non-data) descriptor.
        instance = record.history_object
        for field in record._meta.concrete_fields:
            if field.is_relation and field.name != "history_user" and field.is_cached(record):
                related = getattr(record, field.name)
                if related is not None:
                    setattr(instance, field.name, related)
        record.history_object = instance


class PreloadedAutocompleteInline(OpenedVersionField):
    """Mixin for inlines whose autocomplete fields render without a query a row, and whose
    rows refuse to save over what someone else saved since the page was opened.

    The inline's get_queryset() must select_related() the autocomplete fields.
    """

    form = InlineForm
    formset = VersionedInlineFormSet

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = PreloadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PositionedInline(PreloadedAutocompleteInline):
    """Mixin for inlines of children ordered by a position unique within their parent."""

    form = PositionedInlineForm
    formset = PositionedInlineFormSet
    extra = 1
    ordering = ["position"]

    @admin.display(description="")
    def edit_link(self, obj):
        if obj.pk is None:
            return ""
        return change_link(obj, f"Edit {obj._meta.verbose_name} →")


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
            build_snapshot(tree, _treaty_status_for(tree))
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


def _treaty_status_for(profile):
    if not profile.topic.treaty_id:
        return None
    return TreatyStatus.objects.filter(
        country_id=profile.country_id, treaty_id=profile.topic.treaty_id
    ).first()


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
