"""The admin of what readers send: correction requests (the editors' desk) and alert
subscriptions.

A correction request is the reader's: editors change only its state and their note, and its
History lists who did, when. A subscription is read here and never edited; deleting it
(publishers, as the permissions grant) is how an address is forgotten from the admin, as
`manage.py forget_email` does from the command line.
"""

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from history.admin import HistoryAdmin
from profiles.models import Claim, CorrectionRequest, Subscription

EXCERPT_WORDS = 20


def public_page_url(correction: CorrectionRequest) -> str:
    """The edition the reader reported from, at the note they reported."""
    profile = correction.profile
    url = reverse(
        "profiles:edition_detail",
        args=[profile.country.slug, profile.topic.slug, correction.edition],
    )
    return f"{url}#fn-{correction.footnote}" if correction.footnote else url


def editor_url(claim: Claim) -> str:
    """The claim in its profile's one-page editor."""
    url = reverse("admin:profiles_profile_editor", args=[claim.section.profile_id])
    return f"{url}#claim-{claim.pk}"


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(HistoryAdmin):
    list_display = ["excerpt", "state", "profile", "edition", "note", "received"]
    list_display_links = ["excerpt"]
    list_filter = ["state", "profile__topic"]
    search_fields = [
        "what_is_wrong",
        "source",
        "quoted_text",
        "email",
        "profile__country__name",
    ]
    list_select_related = ["profile__country", "profile__topic"]
    object_select_related = ["profile__country", "profile__topic", "claim__section"]
    fieldsets = [
        (
            "What the reader reported",
            {
                "fields": [
                    "profile",
                    "edition",
                    "footnote",
                    "where",
                    "what_is_wrong",
                    "source",
                    "quoted_text",
                    "email",
                    "created_at",
                ]
            },
        ),
        ("The desk", {"fields": ["state", "editor_note"]}),
    ]
    readonly_fields = [
        "profile",
        "edition",
        "footnote",
        "where",
        "quoted_text",
        "what_is_wrong",
        "source",
        "email",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False  # readers send requests, from the public form

    @admin.display(description="what is wrong")
    def excerpt(self, obj):
        return Truncator(obj.what_is_wrong).words(EXCERPT_WORDS)

    @admin.display(description="note", ordering="footnote", empty_value="—")
    def note(self, obj):
        return obj.footnote

    @admin.display(description="received", ordering="created_at")
    def received(self, obj):
        return obj.created_at

    @admin.display(description="see it")
    def where(self, obj):
        place = f"note {obj.footnote}" if obj.footnote else "the profile"
        links = [
            format_html(
                '<a href="{}">Edition {}, {}, as the reader saw it →</a>',
                public_page_url(obj),
                obj.edition,
                place,
            )
        ]
        if obj.claim_id:
            links.append(
                format_html('<a href="{}">The claim in the editor →</a>', editor_url(obj.claim))
            )
        elif obj.quoted_text:
            links.append("No claim of the working copy has this text any more.")
        return format_html_join(" · ", "{}", ((link,) for link in links))


class ConfirmedFilter(admin.SimpleListFilter):
    title = "confirmed"
    parameter_name = "confirmed"

    def lookups(self, request, model_admin):
        return [("yes", "Confirmed"), ("no", "Waiting for confirmation")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(Q(confirmed_at__isnull=self.value() == "no"))
        return queryset


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Read-only: a reader subscribes, confirms and unsubscribes through the links mailed to
    them. Deleting a subscription forgets its address (no history keeps it)."""

    list_display = ["email", "scope", "confirmed", "created_at"]
    list_filter = [ConfirmedFilter]
    search_fields = ["email"]
    list_select_related = ["country", "topic"]
    fields = ["email", "scope", "created_at", "confirmation_sent_at", "confirmed_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="alerts for")
    def scope(self, obj):
        return obj.scope_label

    @admin.display(description="confirmed", boolean=True, ordering="confirmed_at")
    def confirmed(self, obj):
        return obj.confirmed_at is not None
