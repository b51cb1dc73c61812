"""FilterSets for the public directory: which countries a reader asks to see, and in what order.

The choices of the treaty and topic filters are handed in by the view, which fetches them once
per request for its own use too, so that validating and rendering the form costs no queries.
"""

from django import forms
from django.db.models import Exists, F, OuterRef, Q
from django.utils.text import slugify
from django_filters import CharFilter, ChoiceFilter, FilterSet

from profiles.models import NO_DATA, PUBLIC_STATUS_CHOICES, Country, Profile, PublicTreatyStatus

# The longest name a reader may search for: the longest country name is 100 characters, and
# a longer value would reach the database as a LIKE pattern SQLite refuses as too complex.
MAX_NAME_LENGTH = 100


class FilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CountryFilterForm(FilterForm):
    def clean(self):
        cleaned_data = super().clean()
        missing = not cleaned_data.get("treaty") and "treaty" not in self.errors
        if cleaned_data.get("status") and missing:
            self.add_error("treaty", "Choose the treaty whose status you are filtering by.")
        return cleaned_data


class CountryFilter(FilterSet):
    """Filter the countries list by name, region, treaty status and topic; filters combine."""

    q = CharFilter(
        label="Name", method="filter_name", widget=forms.SearchInput, max_length=MAX_NAME_LENGTH
    )
    region = ChoiceFilter(label="Region", choices=Country.Region.choices, empty_label="Any region")
    treaty = ChoiceFilter(label="Treaty", empty_label="Choose a treaty", method="filter_treaty")
    status = ChoiceFilter(
        label="Status under that treaty",
        choices=PUBLIC_STATUS_CHOICES,
        empty_label="Any status",
        method="filter_status",
    )
    topic = ChoiceFilter(label="Topic", empty_label="Any topic", method="filter_topic")

    class Meta:
        model = Country
        fields = ["q", "region", "treaty", "status", "topic"]
        form = CountryFilterForm

    def __init__(self, data=None, queryset=None, *, treaties, topics, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["treaty"].extra["choices"] = [(t.slug, t.name) for t in treaties]
        self.filters["topic"].extra["choices"] = [(t.slug, t.name) for t in topics]

    @property
    def is_active(self) -> bool:
        """Whether the reader asked for any filter (valid or not)."""
        return any(self.data.get(name, "").strip() for name in self.filters)

    def filter_name(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        matches = (
            Q(name__icontains=value)
            | Q(official_name__icontains=value)
            | Q(alternative_names__icontains=value)
        )
        # The slug is the name without accents: "cote" finds Côte d'Ivoire.
        if slug := slugify(value):
            matches |= Q(slug__contains=slug)
        return queryset.filter(matches)

    def filter_treaty(self, queryset, name, value):
        # The treaty only says which treaty the status filter is about.
        return queryset

    def filter_status(self, queryset, name, value):
        treaty = self.form.cleaned_data.get("treaty")
        if not treaty:  # the form reports the missing treaty
            return queryset
        published = PublicTreatyStatus.objects.filter(country=OuterRef("pk"), treaty__slug=treaty)
        if value == NO_DATA:
            return queryset.filter(~Exists(published))
        return queryset.filter(Exists(published.filter(status=value)))

    def filter_topic(self, queryset, name, value):
        profiles = Profile.objects.public().filter(country=OuterRef("pk"), topic__slug=value)
        return queryset.filter(Exists(profiles))


class TreatyTableFilter(FilterSet):
    """Filter a treaty's status table (countries annotated with `status`) by status and region."""

    status = ChoiceFilter(label="Status", choices=PUBLIC_STATUS_CHOICES, empty_label="Any status")
    region = ChoiceFilter(label="Region", choices=Country.Region.choices, empty_label="Any region")

    class Meta:
        model = Country
        fields = ["status", "region"]
        form = FilterForm

    @property
    def is_active(self) -> bool:
        return any(self.data.get(name, "").strip() for name in self.filters)


# The sortable columns of a treaty's status table: the `?sort=` key and the annotation it sorts.
TREATY_TABLE_SORTS = {
    "country": "name",
    "region": "region_sort",
    "status": "status_rank",
    "signed": "signed_on",
    "joined": "joined_on",
    "in_force": "in_force_on",
}
TREATY_TABLE_DEFAULT_SORT = "country"


def parse_sort(value: str | None) -> tuple[str, bool]:
    """Return the column key and whether descending; an unknown key sorts by country."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value.removeprefix("-")
    if key not in TREATY_TABLE_SORTS:
        return TREATY_TABLE_DEFAULT_SORT, False
    return key, descending


def sort_treaty_table(queryset, key: str, descending: bool):
    """Order the status table by a column; empty values go last either way, then by name."""
    field = F(TREATY_TABLE_SORTS[key])
    ordering = [field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)]
    if key != "country":
        ordering.append("name")
    return queryset.order_by(*ordering)
