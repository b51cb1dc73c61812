"""FilterSets for fact-checking: which citations the review queue shows.

The queue's default is what is left to review (unreviewed citations); every other filter
narrows the selection, and the counts by review state are taken over the selection without
the state filter, so a reviewer always sees how much is left whatever state they look at.

The profile is typed, not picked from a list of every profile (2,000 of them at full scale,
130 kB of options on every page): its number, as other pages link to it, or its country and
topic, "Mali/mine ban", or its name as the queue's headings write it.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from html import escape

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, Value
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django_filters import (
    CharFilter,
    ChoiceFilter,
    DateFilter,
    Filter,
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


class PlainSelect(forms.Select):
    """A select that writes its options out directly. The stock widget renders a template
    for each option: 2.5 ms for the 200 countries, more than the rest of the filter form."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(str(option))}"'
            f"{' selected' if str(option) in chosen else ''}>{escape(str(label))}</option>"
            for option, label in self.choices
        )
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(attrs), mark_safe(options))


# "Mali/mine ban", or "Mali — Mine Ban Policy" as the queue's headings write a profile.
PROFILE_SEPARATOR = re.compile(r"\s*[/—–]\s*")
PROFILE_NUMBER = re.compile(r"[0-9]{1,18}")
# More profiles than this is not "a profile": the country and topic filters are for that.
MOST_PROFILES = 20
PROFILE_HELP = "Its country and topic, such as “Mali/mine ban”, or its number."


@dataclass(frozen=True)
class ProfileMatch:
    """The profiles a typed profile names: one, or a country's when only it is typed."""

    ids: tuple[int, ...]
    name: str  # the profile's name when there is one, else what was typed

    def __str__(self):
        return self.name


class ProfileField(forms.CharField):
    """A profile typed as its number, as its country and topic ("Mali/mine ban": each part
    is found in the name, accents aside), or as a country alone (its profiles). A part that
    names a country or topic in full wins over those that only contain it ("Niger" is not
    Nigeria)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        return self.match(text) if text else None

    def match(self, text: str) -> ProfileMatch:
        country, topic = _parts(text)
        if PROFILE_NUMBER.fullmatch(text):
            wanted = Q(pk=int(text))
        else:
            wanted = _name_contains("country", country) & _name_contains("topic", topic)
        rows = list(
            Profile.objects.filter(wanted)
            .order_by("country__slug", "topic__slug")
            .values_list("pk", "country__name", "topic__name")[: MOST_PROFILES + 1]
        )
        if not rows:
            raise ValidationError(
                "No profile matches “%(text)s”. Type its country and topic, such as "
                "“Mali/mine ban”, or its number.",
                code="no_profile",
                params={"text": text},
            )
        if len(rows) > MOST_PROFILES:
            raise ValidationError(
                "“%(text)s” matches more than %(most)s profiles: type more of the country "
                "and the topic, such as “Mali/mine ban”, or choose a country or a topic.",
                code="too_many_profiles",
                params={"text": text, "most": MOST_PROFILES},
            )
        # A part named in full leaves out those that only contain it, country then topic.
        rows = [row for row in rows if _names(country, row[1])] or rows
        rows = [row for row in rows if _names(topic, row[2])] or rows
        name = f"{rows[0][1]} — {rows[0][2]}" if len(rows) == 1 else text
        return ProfileMatch(ids=tuple(row[0] for row in rows), name=name)


def _parts(text: str) -> tuple[str, str]:
    """Split a typed profile into its country and its topic (empty when not typed)."""
    country, _, topic = PROFILE_SEPARATOR.sub("/", text, count=1).partition("/")
    return country.strip(), topic.strip()


def _name_contains(relation: str, typed: str) -> Q:
    """Match a country or topic whose name, or slug, contains what was typed ("cote"
    finds Côte d'Ivoire); any when nothing was."""
    if not typed:
        return Q()
    return Q(**{f"{relation}__name__icontains": typed}) | Q(
        **{f"{relation}__slug__contains": slugify(typed) or typed}
    )


def _names(typed: str, name: str) -> bool:
    """Whether what was typed names a country or topic in full (or nothing was typed)."""
    return not typed or slugify(typed) == slugify(name)


class ProfileFilter(Filter):
    field_class = ProfileField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(claim__section__profile__in=value.ids)


# The filters whose options listed_options reads.
LISTED = ("country", "topic", "reviewer")


def listed_options() -> dict[str, list[tuple[int, str]]]:
    """Return the options of the country, topic and reviewer filters (the countries with a
    profile, every topic, whoever reviewed a citation), by filter, in one query: each query
    of its own cost a millisecond on PostgreSQL, more than listing what it found."""
    has_profile = Exists(Profile.objects.filter(country=OuterRef("pk")))
    has_reviewed = Exists(Citation.objects.filter(reviewed_by=OuterRef("pk")))
    parts = [
        Country.objects.filter(has_profile).annotate(label=F("name")),
        Topic.objects.annotate(label=F("name")),
        get_user_model().objects.filter(has_reviewed).annotate(label=F("username")),
    ]
    rows = (
        part.order_by().annotate(kind=Value(name)).values_list("kind", "pk", "label")
        for name, part in zip(LISTED, parts, strict=True)
    )
    options = {name: [] for name in LISTED}
    for kind, pk, label in next(rows).union(*rows, all=True):
        options[kind].append((pk, label))
    for found in options.values():
        found.sort(key=lambda option: _sortable(option[1]))
    return options


def _sortable(name: str) -> str:
    """Sort Åland with the As: by the letters without their accents, whatever their case."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


class ReviewQueueFilter(FilterSet):
    """Filter citations for review by where they are, their state, who reviewed them, their
    sources, and how old the profile, the review or the sources are. Filters combine."""

    q = CharFilter(
        label="Text",
        method="filter_text",
        widget=forms.SearchInput,
        help_text="Words in the claim or the footnote.",
    )
    # Countries, topics and reviewers are listed by one query for the three (listed_options,
    # set in __init__), not through ModelChoiceFilter, whose options take a query each, a
    # server-side cursor on PostgreSQL (three round trips), a model instance each, and one
    # more query to check the one chosen.
    country = ChoiceFilter(
        label="Country",
        field_name="claim__section__profile__country",
        empty_label="Any country",
        widget=PlainSelect,
    )
    topic = ChoiceFilter(
        label="Topic",
        field_name="claim__section__profile__topic",
        empty_label="Any topic",
        widget=PlainSelect,
    )
    profile = ProfileFilter(
        label="Profile",
        help_text=PROFILE_HELP,
        widget=forms.TextInput(attrs={"size": 24}),
    )
    state = ChoiceFilter(
        label="Review state",
        choices=STATE_CHOICES,
        empty_label=None,
        method="filter_state",
        widget=PlainSelect,
    )
    reviewer = ChoiceFilter(
        label="Reviewed by",
        field_name="reviewed_by",
        empty_label="Anyone",
        widget=PlainSelect,
    )
    source_kind = ChoiceFilter(
        label="Cites a source of kind",
        choices=SourceKind.choices,
        empty_label="Any kind",
        method="filter_source_kind",
        widget=PlainSelect,
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

    # Filters that keep a selection within a few profiles, where counting it is cheap.
    NARROWING = ("profile", "country", "source")

    def __init__(self, data=None, *args, **kwargs):
        # An absent state means the default (what is left to review); "all" shows every state.
        if data is not None:
            data = data.copy()
            data["state"] = data.get("state") or DEFAULT_STATE
        super().__init__(data, *args, **kwargs)
        # Read when first needed (to check a choice, or to show them), once for all three.
        listed = cache(listed_options)
        for name in LISTED:
            self.filters[name].extra["choices"] = lambda name=name: listed()[name]

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if valid and (profile := self.form.cleaned_data.get("profile")):
            # Show the profile by its name, also when a link named it by its number.
            self.form.data["profile"] = profile.name
        return valid

    @property
    def chosen_state(self) -> str:
        return self.form.cleaned_data.get("state") or DEFAULT_STATE

    @property
    def narrow(self) -> bool:
        """Whether the filters keep the selection within a profile, a country or a source."""
        return any(self.form.cleaned_data.get(name) for name in self.NARROWING)

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
