"""The progress board of a release, for the managing editor: every profile of the release with
how far it has got, filterable and sortable, counted by state, overdue ones marked, and a CSV
download of the same rows. ReleaseAdmin.get_urls() mounts these pages under
/admin/profiles/release/<id>/ (board/, board.csv, and the acts on one profile below board/).

Who: anyone who may view releases (Editors, Fact-checkers and Publishers). The acts on one
profile: its assigned editor or a publisher marks its draft done (or takes it back to
drafting); a publisher acknowledges the consistency checker's findings on it, after reading
them on a confirmation page. Their writes are in profiles/releases.py.

Queries, whatever the number of profiles: the release, the assignees (the filters' choices),
the rows (ReleaseProfileQuerySet.for_board(), one query) and the counts (.progress_counts(),
one query), besides the session, the user and their permissions. The rows come a page of
PAGE_SIZE at a time (the counts say how many there are, so paging costs no query of its own;
a closed release, which has no counts, counts its rows); the CSV has them all. Each row's
links are built from URL patterns reversed once, not reversed row by row.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django_filters import CharFilter, ChoiceFilter, FilterSet

from profiles.consistency import profile_findings
from profiles.filters import MAX_NAME_LENGTH, FilterForm
from profiles.models import Release, ReleaseProfile, ReleaseProgress, counts_by_progress
from profiles.releases import entry_acknowledge_consistency, entry_mark_drafted
from profiles.views.directory import spreadsheet_text

VIEW_PERMISSION = "profiles.view_release"
PUBLISH_PERMISSION = "profiles.publish_profile"
# The filter value for "nobody assigned" in the editor and fact-checker filters.
NOBODY = "none"
YES = "yes"

# The sortable columns: the `?sort=` key, its heading, and what it orders by. Empty values
# (no change yet) go last either way; ties fall back to the country, then the topic.
_STATE_RANK = Case(
    *(
        When(progress=value, then=Value(rank))
        for rank, value in enumerate(
            [
                ReleaseProgress.NOT_STARTED,
                ReleaseProgress.DRAFTING,
                ReleaseProgress.IN_REVIEW,
                ReleaseProgress.BLOCKED,
                ReleaseProgress.READY,
            ]
        )
    ),
    output_field=IntegerField(),
)
SORTS = {
    "country": F("profile__country__name"),
    "state": _STATE_RANK,
    "changed": F("changed_at"),
    "unreviewed": F("unreviewed"),
    "disputed": F("disputed"),
    "threads": F("open_threads"),
}
DEFAULT_SORT = "country"
# Rows a page: at full scale a release has 2,000 profiles, and a page of them all weighed
# 3.6 MB and took longer to write than to query.
PAGE_SIZE = 100


def parse_sort(value: str | None) -> tuple[str, bool]:
    """Return the column key and whether descending; an unknown key sorts by country."""
    value = (value or "").strip()
    key = value.removeprefix("-")
    if key not in SORTS:
        return DEFAULT_SORT, False
    return key, value.startswith("-")


def sort_board(queryset, key: str, descending: bool):
    expression = SORTS[key]
    ordering = [expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)]
    return queryset.order_by(*ordering, "profile__country__name", "profile__topic__name", "pk")


class BoardFilter(FilterSet):
    """Filter a release's profiles (annotated by ReleaseProfileQuerySet.with_progress()) by
    state, overdue, assignee and country name; filters combine."""

    state = ChoiceFilter(
        label="State",
        choices=ReleaseProgress.choices,
        empty_label="Any state",
        field_name="progress",
    )
    overdue = ChoiceFilter(
        label="Overdue",
        choices=[(YES, "Overdue only")],
        empty_label="Overdue or not",
        method="filter_overdue",
    )
    editor = ChoiceFilter(label="Editor", empty_label="Any editor", method="filter_assignee")
    fact_checker = ChoiceFilter(
        label="Fact-checker", empty_label="Any fact-checker", method="filter_assignee"
    )
    country = CharFilter(
        label="Country",
        method="filter_country",
        widget=forms.SearchInput,
        max_length=MAX_NAME_LENGTH,
    )

    class Meta:
        model = ReleaseProfile
        fields = ["state", "overdue", "editor", "fact_checker", "country"]
        form = FilterForm

    def __init__(self, data=None, queryset=None, *, editors, fact_checkers, **kwargs):
        super().__init__(data, queryset, **kwargs)
        nobody = [(NOBODY, "Nobody assigned")]
        self.filters["editor"].extra["choices"] = [*editors, *nobody]
        self.filters["fact_checker"].extra["choices"] = [*fact_checkers, *nobody]

    @property
    def is_active(self) -> bool:
        return any(self.data.get(name, "").strip() for name in self.filters)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue=True) if value == YES else queryset

    def filter_assignee(self, queryset, name, value):
        if value == NOBODY:
            return queryset.filter(**{f"{name}__isnull": True})
        return queryset.filter(**{f"{name}_id": value})

    def filter_country(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        matches = Q(profile__country__name__icontains=value)
        if slug := slugify(value):  # "cote" finds Côte d'Ivoire
            matches |= Q(profile__country__slug__contains=slug)
        return queryset.filter(matches)


# The filters the counts ignore: a count by state is over what the other filters select.
COUNTS_IGNORE = ("state", "overdue")


@dataclass
class Board:
    """A release's board as a request asks for it: a page of rows, the counts and the
    columns."""

    release: Release
    filter: BoardFilter
    rows: list[ReleaseProfile]
    counts: dict[str, int] | None
    sort_key: str
    descending: bool
    total: int = 0  # the rows in the filters, on every page
    page: int = 1
    pages: int = 1

    @property
    def sort(self) -> str:
        return f"-{self.sort_key}" if self.descending else self.sort_key

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def board_for(
    request,
    release: Release,
    *,
    counted: bool = True,
    paged: bool = True,
    today: datetime.date | None = None,
) -> Board:
    """Filter and sort the release's profiles as the request asks, in three queries: the
    assignees, the counts (for an open release, when `counted`), and the rows (`paged`: the
    page `?page=` asks for)."""
    today = today or timezone.localdate()
    entries = ReleaseProfile.objects.filter(release=release)
    editors, fact_checkers = _assignee_choices(entries)
    choices = {"editors": editors, "fact_checkers": fact_checkers}
    board_filter = BoardFilter(request.GET, entries.for_board(today), **choices)
    sort_key, descending = parse_sort(request.GET.get("sort"))
    if not board_filter.is_valid():
        return Board(release, board_filter, [], None, sort_key, descending)
    rows = board_filter.qs
    if not release.is_open:
        rows = rows.annotate(edition=F("publication__number"))
    rows = sort_board(rows, sort_key, descending)
    counts = total = None
    if release.is_open and counted:
        others = request.GET.copy()
        for name in COUNTS_IGNORE:
            others.pop(name, None)
        tally = BoardFilter(others, entries, **choices).qs.progress_tally(today)
        counts = counts_by_progress(tally)
        state = board_filter.form.cleaned_data.get("state")
        overdue_only = board_filter.form.cleaned_data.get("overdue") == YES
        total = sum(
            count
            for (progress, overdue), count in tally.items()
            if (not state or progress == state) and (overdue or not overdue_only)
        )
    if not paged:
        rows = list(rows)
        return Board(release, board_filter, rows, counts, sort_key, descending, len(rows))
    if total is None:
        total = rows.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(_page_number(request.GET.get("page")), pages)
    rows = list(rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return Board(release, board_filter, rows, counts, sort_key, descending, total, page, pages)


def _page_number(value: str | None) -> int:
    """The page asked for; anything but a positive number is the first."""
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _assignee_choices(entries) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The editors and the fact-checkers assigned in the release, by name, in one query."""
    editors, fact_checkers = {}, {}
    pairs = entries.order_by().values_list(
        "editor_id", "editor__username", "fact_checker_id", "fact_checker__username"
    )
    for editor_id, editor_name, checker_id, checker_name in pairs.distinct():
        if editor_id is not None:
            editors[str(editor_id)] = editor_name
        if checker_id is not None:
            fact_checkers[str(checker_id)] = checker_name
    return (
        sorted(editors.items(), key=lambda item: item[1].lower()),
        sorted(fact_checkers.items(), key=lambda item: item[1].lower()),
    )


class Links:
    """Each row's addresses, from patterns reversed once (a reverse() per link and row took
    longer than the rest of the row)."""

    def __init__(self, release: Release):
        self.release = release
        self.profile_editor = _pattern("admin:profiles_profile_editor", 0)
        self.profile_change = _pattern("admin:profiles_profile_change", 0)
        self.drafted = _pattern("admin:profiles_release_entry_drafted", release.pk, 0)
        self.acknowledge = _pattern("admin:profiles_release_entry_acknowledge", release.pk, 0)

    def attach(self, entry: ReleaseProfile) -> None:
        profile_id, entry_id = str(entry.profile_id), str(entry.pk)
        entry.editor_url = profile_id.join(self.profile_editor)
        entry.change_url = profile_id.join(self.profile_change)
        entry.drafted_url = entry_id.join(self.drafted)
        entry.acknowledge_url = entry_id.join(self.acknowledge)
        # The editor shows the threads of every claim and footnote (the review queue only
        # those of cited claims), and their number at this anchor.
        entry.threads_url = f"{entry.editor_url}#editor-comments-total"


def _pattern(name: str, *args) -> tuple[str, str]:
    """Reverse `name` with a placeholder for its last argument; return what comes before and
    after it."""
    marker = 987654321
    before, after = reverse(name, args=[*args[:-1], marker]).split(str(marker))
    return before, after


# The pages --------------------------------------------------------------------------------------


def urls(model_admin) -> list:
    """The URL patterns of the board, for ReleaseAdmin.get_urls()."""

    def view(function):
        def wrapped(request, object_id, **kwargs):
            return function(model_admin, request, object_id, **kwargs)

        return model_admin.admin_site.admin_view(wrapped)

    entry = "<int:object_id>/board/<int:entry_id>"
    return [
        path("<int:object_id>/board/", view(board_view), name="profiles_release_board"),
        path("<int:object_id>/board.csv", view(board_csv_view), name="profiles_release_board_csv"),
        path(f"{entry}/drafted/", view(drafted_view), name="profiles_release_entry_drafted"),
        path(
            f"{entry}/acknowledge/",
            view(acknowledge_view),
            name="profiles_release_entry_acknowledge",
        ),
    ]


def _release(request, object_id) -> Release:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    return get_object_or_404(Release.objects.select_related("topic"), pk=object_id)


def board_view(model_admin, request, object_id):
    """The board: the release, its counts by state, and a row for each of its profiles."""
    release = _release(request, object_id)
    board = board_for(request, release)
    links = Links(release)
    user = request.user
    is_publisher = user.has_perm(PUBLISH_PERMISSION)
    for entry in board.rows:
        links.attach(entry)
        entry.may_mark_drafted = release.is_open and (is_publisher or entry.editor_id == user.pk)
    _describe(board.rows, release)
    rows_html = _rows_html(
        board.rows, release, next_url=request.get_full_path(), csrf=get_token(request)
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Progress of {release}",
        "release": release,
        "board": board,
        "filter": board.filter,
        "rows": board.rows,
        "rows_html": rows_html,
        "state_counts": _state_counts(board),
        "launched_counts": _launched_counts(board),
        "columns": _columns(board),
        "may_acknowledge": release.is_open and is_publisher,
        "here": request.get_full_path(),
        "csv_url": _with_query(
            reverse("admin:profiles_release_board_csv", args=[release.pk]), request
        ),
        "today": timezone.localdate(),
    }
    return TemplateResponse(request, "admin/profiles/release/board.html", context)


STATE_LABELS = dict(ReleaseProgress.choices)
DRAFTING_STATES = (ReleaseProgress.NOT_STARTED, ReleaseProgress.DRAFTING)


def _describe(rows: list[ReleaseProfile], release: Release) -> None:
    """Give each row what the table writes: its state's name, the deadline an overdue one
    has passed, and, once launched, the address of the edition published."""
    drafting = date_format(release.drafting_deadline)
    review = date_format(release.review_deadline)
    for entry in rows:
        entry.progress_label = STATE_LABELS[entry.progress]
        if entry.overdue:
            if entry.progress in DRAFTING_STATES:
                entry.deadline_passed = f"drafting deadline, {drafting}"
            else:
                entry.deadline_passed = f"review deadline, {review}"
        if getattr(entry, "edition", None):
            profile = entry.profile
            entry.edition_url = reverse(
                "profiles:edition_detail",
                args=[profile.country.slug, profile.topic.slug, entry.edition],
            )


def _rows_html(rows: list[ReleaseProfile], release: Release, *, next_url: str, csrf: str) -> str:
    """The table's rows. Written here rather than in the template: the template language took
    over a second for 2,000 rows, this takes a tenth of that."""
    next_field = f'<input type="hidden" name="next" value="{escape(next_url)}">'
    csrf_field = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf)}">'
    acknowledge_next = f"?next={escape(quote(next_url, safe=''))}"
    out = []
    for entry in rows:
        profile = entry.profile
        name = escape(str(profile))
        if release.is_open:
            state = (
                f'<span class="board-state board-state--{entry.progress}">'
                f"{entry.progress_label}</span>"
            )
            if entry.overdue:
                state += (
                    '<span class="board-overdue"><span aria-hidden="true">⚠ </span>Overdue'
                    f'</span> <span class="board-row__note">{entry.deadline_passed} passed</span>'
                )
        else:
            state = f'<span class="board-outcome">{escape(entry.outcome or "—")}</span>'
            if getattr(entry, "edition_url", None):
                state += (
                    f' <a href="{escape(entry.edition_url)}">Edition {entry.edition}'
                    f'<span class="visually-hidden"> of {name}</span></a>'
                )
        if entry.changed_at:
            local = timezone.localtime(entry.changed_at)
            changed = (
                f'<time datetime="{local.isoformat()}">{local.day} {local:%b %Y, %H:%M}</time>'
            )
        else:
            changed = '<span class="board-row__note">No change</span>'
        disputed = (
            f'<strong class="board-disputed">{entry.disputed}</strong>' if entry.disputed else "0"
        )
        threads = (
            f'<a href="{escape(entry.threads_url)}" class="board-threads">{entry.open_threads} '
            f'open<span class="visually-hidden"> comment thread{pluralize(entry.open_threads)} '
            f"on {name}</span></a>"
        )
        consistency = (
            "Acknowledged"
            if entry.consistency_acknowledged
            else '<span class="board-row__note">Not acknowledged</span>'
        )
        if release.is_open:
            consistency += (
                f' <a href="{entry.acknowledge_url}{acknowledge_next}" class="board-link">'
                f'Findings<span class="visually-hidden"> on {name}</span></a>'
            )
        actions = ""
        if entry.may_mark_drafted:
            if entry.drafted_at:
                done, button = (
                    "0",
                    (
                        '<button type="submit" class="board-button board-button--quiet">Back to '
                        f'drafting<span class="visually-hidden"> {name}</span></button>'
                    ),
                )
            else:
                done, button = (
                    "1",
                    (
                        '<button type="submit" class="board-button">Hand to review'
                        f'<span class="visually-hidden"> for {name}</span></button>'
                    ),
                )
            actions = (
                f'<form method="post" action="{entry.drafted_url}">{csrf_field}{next_field}'
                f'<input type="hidden" name="done" value="{done}">{button}</form>'
            )
        actions += (
            f'<a href="{entry.change_url}" class="board-link">Profile'
            f'<span class="visually-hidden"> {name}</span></a>'
        )
        out.append(
            f'<tr id="entry-{entry.pk}" class="board-row'
            f'{" board-row--overdue" if entry.overdue else ""}">'
            f'<th scope="row" class="board-row__profile"><a href="{entry.editor_url}">'
            f"{escape(profile.country.name)}</a>"
            f'<span class="board-row__topic">{escape(profile.topic.name)}</span></th>'
            f'<td class="board-row__state">{state}</td>'
            f"<td>{escape(entry.editor.username) if entry.editor else '—'}</td>"
            f"<td>{escape(entry.fact_checker.username) if entry.fact_checker else '—'}</td>"
            f'<td class="board-row__date">{changed}</td>'
            f'<td class="board-row__number">{entry.unreviewed}</td>'
            f'<td class="board-row__number">{disputed}</td>'
            f'<td class="board-row__number">{threads}</td>'
            f'<td class="board-row__consistency">{consistency}</td>'
            f'<td class="board-row__actions">{actions}</td></tr>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 -- every value above is escaped or ours


def _state_counts(board: Board) -> list[dict] | None:
    if board.counts is None:
        return None
    return [
        {"state": value, "label": label, "count": board.counts[value]}
        for value, label in ReleaseProgress.choices
    ]


def _launched_counts(board: Board) -> dict | None:
    """For a launched release: how many of the rows were published and how many left."""
    if board.release.is_open:
        return None
    published = sum(1 for entry in board.rows if entry.publication_id is not None)
    return {"published": published, "left": len(board.rows) - published}


# The columns of the table: the heading and its sort key (None: not sortable).
COLUMNS = [
    ("Country", "country"),
    ("State", "state"),
    ("Editor", None),
    ("Fact-checker", None),
    ("Last change", "changed"),
    ("Unreviewed", "unreviewed"),
    ("Disputed", "disputed"),
    ("Open threads", "threads"),
    ("Consistency", None),
    ("Actions", None),
]


def _columns(board: Board) -> list[dict]:
    """Describe each column heading: its link toggles the direction of the sort."""
    columns = []
    for label, key in COLUMNS:
        current = key is not None and key == board.sort_key
        if not board.release.is_open and key in ("state", "unreviewed", "disputed", "threads"):
            key = None  # a launched release shows outcomes, not progress
            current = False
        columns.append(
            {
                "label": "Outcome" if label == "State" and not board.release.is_open else label,
                "key": key,
                "aria_sort": ("descending" if board.descending else "ascending") if current else "",
                "next_sort": f"-{key}" if current and not board.descending else key,
            }
        )
    return columns


def _with_query(url: str, request) -> str:
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url


# The CSV ----------------------------------------------------------------------------------------

CSV_HEADER = [
    "Country",
    "Topic",
    "State",
    "Overdue",
    "Editor",
    "Fact-checker",
    "Last change",
    "Unreviewed",
    "Disputed",
    "Open threads",
    "Outcome",
    "Profile",
]


def board_csv_view(model_admin, request, object_id):
    """The board's rows as CSV, with the same filters and order: dates in ISO 8601, each
    profile's admin address in full, and no cell a spreadsheet would read as a formula."""
    release = _release(request, object_id)
    board = board_for(request, release, counted=False, paged=False)
    if not board.filter.is_valid():
        return HttpResponseBadRequest(
            "These filters are not valid: " + board.filter.form.errors.as_text(),
            content_type="text/plain; charset=utf-8",
        )
    links = Links(release)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{slugify(release.name) or 'release'}-board.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    states = dict(ReleaseProgress.choices)
    for entry in board.rows:
        links.attach(entry)
        profile = entry.profile
        cells = [
            profile.country.name,
            profile.topic.name,
            states[entry.progress] if release.is_open else "",
            "yes" if entry.overdue else "no",
            entry.editor.username if entry.editor else "",
            entry.fact_checker.username if entry.fact_checker else "",
            entry.changed_at.isoformat() if entry.changed_at else "",
            entry.unreviewed,
            entry.disputed,
            entry.open_threads,
            entry.outcome,
            request.build_absolute_uri(entry.change_url),
        ]
        writer.writerow(
            [spreadsheet_text(cell) if isinstance(cell, str) else cell for cell in cells]
        )
    return response


# Acts on one profile ----------------------------------------------------------------------------


def _entry(request, object_id, entry_id) -> ReleaseProfile:
    _release(request, object_id)
    return get_object_or_404(
        ReleaseProfile.objects.select_related(
            "release", "profile__country", "profile__topic", "editor", "consistency_acknowledged_by"
        ),
        pk=entry_id,
        release_id=object_id,
    )


def _next_url(request, entry: ReleaseProfile) -> str:
    """Where an act returns: the `next` it was given, if it is on this site, else the board."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:profiles_release_board", args=[entry.release_id])


def _refused(model_admin, request, error: Exception, entry: ReleaseProfile):
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    model_admin.message_user(request, f"Not done: {text}", messages.ERROR)
    return redirect(_next_url(request, entry))


def drafted_view(model_admin, request, object_id, entry_id):
    """Mark a profile's draft done (`done=1`) or take it back to drafting (`done=0`): its
    assigned editor or a publisher."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    entry = _entry(request, object_id, entry_id)
    done = request.POST.get("done")
    if done not in ("0", "1"):
        return HttpResponseBadRequest(
            "Say done=1 (the draft is done) or done=0 (back in drafting).",
            content_type="text/plain; charset=utf-8",
        )
    user = request.user
    try:
        if not (user.has_perm(PUBLISH_PERMISSION) or entry.editor_id == user.pk):
            assigned = f" ({entry.editor})" if entry.editor else ""
            raise PermissionDenied(
                f"only the editor assigned to {entry.profile}{assigned} or a publisher can say "
                "whether its draft is done."
            )
        entry_mark_drafted(entry, user=user, done=done == "1")
    except (ValidationError, PermissionDenied) as error:
        return _refused(model_admin, request, error, entry)
    if done == "1":
        text = f"{entry.profile}: the draft is done and handed to review."
    else:
        text = f"{entry.profile} is back in drafting."
    model_admin.message_user(request, text, messages.SUCCESS)
    return redirect(_next_url(request, entry))


def acknowledge_view(model_admin, request, object_id, entry_id):
    """Show the consistency checker's findings on a profile; a publisher's POST accepts them
    as they stand, so that they do not hold the profile back at launch."""
    entry = _entry(request, object_id, entry_id)
    if request.method == "POST":
        try:
            entry_acknowledge_consistency(entry, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            return _refused(model_admin, request, error, entry)
        model_admin.message_user(
            request,
            f"{entry.profile}: the consistency findings are acknowledged; a later change to "
            "the profile needs a new acknowledgement.",
            messages.SUCCESS,
        )
        return redirect(_next_url(request, entry))
    acknowledged = (
        ReleaseProfile.objects.with_progress()
        .filter(pk=entry.pk)
        .values_list("consistency_acknowledged", flat=True)
        .get()
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Consistency of {entry.profile}",
        "release": entry.release,
        "entry": entry,
        "findings": profile_findings(entry.profile_id),
        "acknowledged": acknowledged,
        "may_acknowledge": entry.release.is_open and request.user.has_perm(PUBLISH_PERMISSION),
        "next": _next_url(request, entry),
    }
    return TemplateResponse(request, "admin/profiles/release/board_acknowledge.html", context)
