"""FilterSets for fact-checking: which citations the review queue shows.

The queue's default is what is left to review (unreviewed citations); every other filter
narrows the selection, and the counts by review state are taken over the selection without
the state filter, so a reviewer always sees how much is left whatever state they look at.
"""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django_filters import (
    CharFilter,
    ChoiceFilter,
    DateFilter,
    FilterSet,
    ModelChoiceFilter,
    NumberFilter,
)

from citations.models import Citation, CitationSource, ReviewState, Source, SourceKind
from history.forms import DateInput
from profiles.models import Country, Profile, Topic

# The state filter's choices beyond the review states themselves.
NOT_VERIFIED = "not-verified"
ANY_STATE = "all"
STATE_CHOICES = [
    *ReviewState.choices,
    (NOT_VERIFIED, "Not verified (any state but verified)"),
    (ANY_STATE, "Any state"),
]
DEFAULT_STATE = ReviewState.UNREVIEWED


def months_before(day: datetime.date, months: int) -> datetime.date:
    """Return the same day `months` months earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


class WholeNumberFilter(NumberFilter):
    field_class = forms.IntegerField


class ReviewFilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ReviewQueueFilter(FilterSet):
    """Filter citations for review by where they are, their state, who reviewed them, their
    sources, and how old the profile, the review or the sources are. Filters combine."""

    q = CharFilter(
        label="Text",
        method="filter_text",
        widget=forms.SearchInput,
        help_text="Words in the claim or the footnote.",
    )
    country = ModelChoiceFilter(
        label="Country",
        field_name="claim__section__profile__country",
        queryset=Country.objects.filter(
            Exists(Profile.objects.filter(country=OuterRef("pk")))
        ).only("pk", "name"),
        empty_label="Any country",
    )
    topic = ModelChoiceFilter(
        label="Topic",
        field_name="claim__section__profile__topic",
        queryset=Topic.objects.only("pk", "name"),
        empty_label="Any topic",
    )
    profile = ModelChoiceFilter(
        label="Profile",
        field_name="claim__section__profile",
        queryset=Profile.objects.select_related("country", "topic").only(
            "pk", "country__name", "topic__name"
        ),
        empty_label="Any profile",
    )
    state = ChoiceFilter(
        label="Review state",
        choices=STATE_CHOICES,
        empty_label=None,
        method="filter_state",
    )
    reviewer = ModelChoiceFilter(
        label="Reviewed by",
        field_name="reviewed_by",
        queryset=get_user_model()
        .objects.filter(Exists(Citation.objects.filter(reviewed_by=OuterRef("pk"))))
        .only("pk", "username")
        .order_by("username"),
        empty_label="Anyone",
    )
    source_kind = ChoiceFilter(
        label="Cites a source of kind",
        choices=SourceKind.choices,
        empty_label="Any kind",
        method="filter_source_kind",
    )
    source = ModelChoiceFilter(
        label="Cites source no.",
        queryset=Source.objects.all(),
        method="filter_source",
        widget=forms.NumberInput(attrs={"min": 1, "style": "width: 6em"}),
        help_text="A source's number, as in its address in the admin.",
    )
    not_reviewed_days = WholeNumberFilter(
        label="Not reviewed for (days)",
        method="filter_not_reviewed_days",
        min_value=0,
        max_value=36500,
        help_text="Never reviewed, or last reviewed more than this many days ago.",
    )
    profile_months = WholeNumberFilter(
        label="Profile not updated for (months)",
        method="filter_profile_months",
        min_value=0,
        max_value=1200,
        help_text="The profile's “Last updated” date is older than this many months.",
    )
    newest_source_before = DateFilter(
        label="Claim's newest source before",
        method="filter_newest_source_before",
        widget=DateInput,
        help_text="Every dated source the claim cites is older than this date "
        "(claims whose sources have no date are left out).",
    )

    class Meta:
        model = Citation
        fields = [
            "q",
            "country",
            "topic",
            "profile",
            "state",
            "reviewer",
            "source_kind",
            "source",
            "not_reviewed_days",
            "profile_months",
            "newest_source_before",
        ]
        form = ReviewFilterForm

    def __init__(self, data=None, *args, **kwargs):
        # An absent state means the default (what is left to review); "all" shows every state.
        if data is not None and not data.get("state"):
            data = data.copy()
            data["state"] = DEFAULT_STATE
        super().__init__(data, *args, **kwargs)

    @property
    def chosen_state(self) -> str:
        return self.form.cleaned_data.get("state") or DEFAULT_STATE

    def counts_by_state(self) -> dict[str, int]:
        """Count the citations every filter but the state one selects, by review state, with
        the total under "total"; one query."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != "state":
                queryset = self.filters[name].filter(queryset, value)
        counts = queryset.order_by().aggregate(
            total=Count("pk"),
            **{
                _alias(state): Count("pk", filter=Q(review_state=state))
                for state in ReviewState.values
            },
        )
        return {
            "total": counts["total"],
            **{state: counts[_alias(state)] for state in ReviewState.values},
        }

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(text__icontains=value) | Q(claim__text__icontains=value))

    def filter_state(self, queryset, name, value):
        if value == ANY_STATE:
            return queryset
        if value == NOT_VERIFIED:
            return queryset.exclude(review_state=ReviewState.VERIFIED)
        return queryset.filter(review_state=value)

    def filter_source_kind(self, queryset, name, value):
        links = CitationSource.objects.filter(citation=OuterRef("pk"), source__kind=value)
        return queryset.filter(Exists(links))

    def filter_source(self, queryset, name, value):
        links = CitationSource.objects.filter(citation=OuterRef("pk"), source=value)
        return queryset.filter(Exists(links))

    def filter_not_reviewed_days(self, queryset, name, value):
        since = timezone.now() - datetime.timedelta(days=value)
        return queryset.filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__lt=since))

    def filter_profile_months(self, queryset, name, value):
        cutoff = months_before(timezone.localdate(), value)
        return queryset.filter(claim__section__profile__last_updated__lt=cutoff)

    def filter_newest_source_before(self, queryset, name, value):
        dated = CitationSource.objects.filter(
            citation__claim=OuterRef("claim"), source__date__isnull=False
        )
        return queryset.filter(Exists(dated)).exclude(Exists(dated.filter(source__date__gte=value)))


def _alias(state: str) -> str:
    return state.replace("-", "_")
