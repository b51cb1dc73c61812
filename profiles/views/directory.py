"""Browsing: the home page, countries, treaties.

The public reads publications only: a profile appears once it has been published and
disappears, everywhere at once, when it is withdrawn. Each page shapes its queries in one place
and costs a fixed number of queries however many countries, profiles and statuses there are.
"""

import csv

from django.db.models import (
    Prefetch,
)
from django.http import Http404, HttpResponse
from django.views.generic import DetailView, ListView, TemplateView

from profiles.caching import public_page
from profiles.filters import (
    CountryFilter,
    TreatyTableFilter,
    parse_sort,
    sort_treaty_table,
)
from profiles.models import Country, Profile, PublicTreatyStatus, Topic, Treaty

public = public_page()

RECENT_PROFILES = 10
COUNTRIES_PER_PAGE = 50

# The columns of a treaty's status table: the sort key (None: not sortable) and the heading.
TREATY_TABLE_COLUMNS = [
    ("country", "Country"),
    ("region", "Region"),
    ("status", "Status"),
    ("signed", "Signed"),
    ("joined", "Ratified or acceded"),
    ("in_force", "Entry into force"),
    (None, "Last transparency report"),
]
TREATY_CSV_HEADER = [
    "Country",
    "ISO 3166 alpha-3",
    "Region",
    "Status",
    "Signed",
    "Ratified or acceded",
    "Joined by",
    "Entry into force",
    "Initial transparency report due",
    "Last transparency report submitted",
]


# Views -----------------------------------------------------------------------------------------


class HomeView(TemplateView):
    template_name = "profiles/home.html"

    def get_context_data(self, **kwargs):
        recent = (
            Profile.objects.public()
            .for_links()
            .order_by(
                "-latest_publication__last_updated", "-latest_publication__published_at", "pk"
            )
        )
        return super().get_context_data(
            topics=Topic.objects.with_public_profiles(),
            recent_profiles=recent[:RECENT_PROFILES],
            **kwargs,
        )


class CountryListView(ListView):
    """Countries with a public profile, filtered as the reader asks, fifty to a page."""

    template_name = "profiles/country_list.html"
    context_object_name = "countries"
    paginate_by = COUNTRIES_PER_PAGE
    page_note = ""

    def get_queryset(self):
        self.treaties = list(Treaty.objects.all())
        self.filterset = CountryFilter(
            self.request.GET,
            queryset=Country.objects.with_public_profile(),
            treaties=self.treaties,
            topics=list(Topic.objects.with_public_profiles()),
        )
        if not self.filterset.is_valid():
            return Country.objects.none()
        return self.filterset.qs.prefetch_related(
            Prefetch("public_treaty_statuses", queryset=PublicTreatyStatus.objects.order_by()),
            Prefetch(
                "profiles",
                queryset=Profile.objects.public().for_links().order_by("topic__name"),
                to_attr="public_profiles",
            ),
        )

    def paginate_queryset(self, queryset, page_size):
        """Show the nearest page that exists, with a note, rather than an error page."""
        paginator = self.get_paginator(queryset, page_size)
        requested = self.request.GET.get("page")
        page = paginator.get_page(requested)
        if requested is not None and requested != str(page.number):
            self.page_note = (
                f"There is no page “{requested}”: this is page {page.number} "
                f"of {paginator.num_pages}."
            )
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for country in context["countries"]:
            statuses = {s.treaty_id: s for s in country.public_treaty_statuses.all()}
            country.treaty_columns = [(treaty, statuses.get(treaty.pk)) for treaty in self.treaties]
        page = context["page_obj"]
        context.update(
            filter=self.filterset,
            treaties=self.treaties,
            page_note=self.page_note,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2),
        )
        return context


class CountryDetailView(DetailView):
    """A country's published treaty statuses and public profiles.

    Published treaty statuses are public facts, so a listed country without a public profile
    still has its page, saying so.
    """

    template_name = "profiles/country_detail.html"
    context_object_name = "country"

    def get_object(self, queryset=None):
        slug = self.kwargs["country"]
        try:
            return Country.objects.listed().get(slug=slug)
        except Country.DoesNotExist:
            raise Http404(f"There is no country at the address “{slug}”.") from None

    def get_context_data(self, **kwargs):
        country = self.object
        return super().get_context_data(
            treaties=Treaty.objects.with_status_of(country),
            profiles=Profile.objects.public()
            .for_links()
            .filter(country=country)
            .order_by("topic__name"),
            **kwargs,
        )


class TreatyListView(ListView):
    template_name = "profiles/treaty_list.html"
    context_object_name = "treaties"

    def get_queryset(self):
        return Treaty.objects.with_party_counts()


class TreatyDetailView(DetailView):
    """The status table of a treaty: every listed country, filtered and sorted as asked."""

    template_name = "profiles/treaty_detail.html"
    context_object_name = "treaty"

    def get_object(self, queryset=None):
        slug = self.kwargs["treaty"]
        try:
            return Treaty.objects.get(slug=slug)
        except Treaty.DoesNotExist:
            raise Http404(f"There is no treaty at the address “{slug}”.") from None

    def get_table(self):
        """Return the filter and the rows it selects, sorted by `?sort=`."""
        self.sort_key, self.descending = parse_sort(self.request.GET.get("sort"))
        filterset = TreatyTableFilter(
            self.request.GET, queryset=Country.objects.listed().with_status_for(self.object)
        )
        # An invalid filter shows no rows, from the annotated table, so that they still sort.
        rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        return filterset, sort_treaty_table(rows, self.sort_key, self.descending)

    def get_context_data(self, **kwargs):
        filterset, rows = self.get_table()
        return super().get_context_data(
            filter=filterset,
            rows=rows,
            columns=self.columns(),
            sort=f"-{self.sort_key}" if self.descending else self.sort_key,
            **kwargs,
        )

    def columns(self) -> list[dict]:
        """Describe each column heading: its link toggles the direction of the sort."""
        columns = []
        for key, label in TREATY_TABLE_COLUMNS:
            current = key is not None and key == self.sort_key
            columns.append(
                {
                    "label": label,
                    "key": key,
                    "aria_sort": (
                        ("descending" if self.descending else "ascending") if current else ""
                    ),
                    "next_sort": f"-{key}" if current and not self.descending else key,
                }
            )
        return columns


class TreatyCsvView(TreatyDetailView):
    """The status table as CSV, with the same filters and order; dates in ISO 8601."""

    def render_to_response(self, context, **response_kwargs):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.object.slug}-status.csv"'
        writer = csv.writer(response)
        writer.writerow(TREATY_CSV_HEADER)
        for row in context["rows"]:
            writer.writerow(
                [
                    spreadsheet_text(row.name),
                    row.iso3,
                    row.get_region_display(),
                    row.status_label,
                    _iso(row.signed_on),
                    _iso(row.joined_on),
                    row.joined_by_label,
                    _iso(row.in_force_on),
                    _iso(row.initial_report_due_on),
                    _iso(row.last_report_submitted_on),
                ]
            )
        return response


def spreadsheet_text(text: str) -> str:
    """Keep a spreadsheet from reading a name as a formula (`=HYPERLINK(...)`): an apostrophe
    before a leading =, +, -, @, tab or carriage return makes it text, as OWASP advises."""
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _iso(date) -> str:
    return date.isoformat() if date else ""


home = public(HomeView.as_view())
country_list = public(CountryListView.as_view())
country_detail = public(CountryDetailView.as_view())
treaty_list = public(TreatyListView.as_view())
treaty_detail = public(TreatyDetailView.as_view())
treaty_csv = public(TreatyCsvView.as_view())
