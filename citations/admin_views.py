"""The fact-checkers' pages in the admin: the review queue, the disputes, the review forms,
and the comment threads on a claim or a footnote (shared with the profile editor).

Anyone who may view citations may read the queue; only fact-checkers (citations.review_citation)
get its buttons and may post reviews. A review form carries the new state and a note, nothing
else: a post that names any other field is refused whole, so a crafted form can never change
the text under review. The reviews themselves are recorded by citations.services.

The queue keeps the fact-checker in place, with or without JavaScript: a review goes back to
the queue at the next row's anchor (`then`, posted by each row's form), with the outcome shown
on that row; a review refused (a dispute without a note) goes back to its own row, which shows
the error beside the note field. Messages meant for a row carry `review-at-<id>` in their
extra tags; the queue takes them out of the page's message list and shows them on the row.

The queue stays quick at full scale (83,000 citations): it is read in an indexed order, by
country slug first, so the database walks the profiles in that order and stops at the page's
last row instead of sorting every matching citation; a page continues after its last row
(`after`), never at an offset. The counts by state are taken with the page when the filters
keep to a profile, a country or a source; wider, counting reads every citation (15 ms on
PostgreSQL at full scale, more than the page's rows take), so the page comes without them
and they follow on demand: review-queue.js loads them (`part=counts`), and without
JavaScript a link asks for the page with them (`count=1`).
"""

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Prefetch, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citations import comments
from citations.filters import ANY_STATE, NOT_VERIFIED, ReviewQueueFilter
from citations.models import Citation, CitationSource, Comment, ReviewState
from citations.review_history import previous_reviews
from citations.services import ReviewRefused, citation_review, citations_review
from history.admin import subquery_count
from profiles.models import Claim
from profiles.templatetags.reports import web_address

CITATIONS_PER_PAGE = 25
# The queue's order: by profile (its country's and topic's slugs, alphabetical but for
# renamed countries, and with Côte d'Ivoire among the Cs), then as the profile reads. The
# index on the country's slug lets the database walk profiles in this order and stop after a
# page; ordered by name, it sorts every matching citation first (57 ms at full scale, against
# 1.5 ms). Each field after the first is unique within the ones before it: a total order.
QUEUE_ORDER = (
    "claim__section__profile__country__slug",
    "claim__section__profile__topic__slug",
    "claim__section__position",
    "claim__position",
    "position",
)
# The query parameters that ask for the counts of a wide selection: with the page, or alone.
COUNT = "count"
PART = "part"
COUNTS_PART = "counts"

# The only fields a review form sends; anything else refuses the whole post. `then` is the
# row to show after the review (the next one in the queue).
REVIEW_FIELDS = {"state", "note", "next", "then", "csrfmiddlewaretoken"}
BULK_REVIEW_FIELDS = (REVIEW_FIELDS - {"then"}) | {"citation", "action"}
BULK_ACTION = "review"
# A citation's number as the queue posts it: ASCII digits, within the database's integers.
CITATION_ID = re.compile(r"[0-9]{1,18}")

# The bulk form offers every state (a row's buttons, in its template, the three verdicts).
BULK_CHOICES = [
    (ReviewState.VERIFIED, "Verified"),
    (ReviewState.DISPUTED, "Disputed"),
    (ReviewState.SOURCE_UNAVAILABLE, "Source unavailable"),
    (ReviewState.UNREVIEWED, "Unreviewed (reset the review)"),
]
# A dispute tells the editors what to fix; without a note they cannot.
NOTE_REQUIRED = {ReviewState.DISPUTED}
# The extra tag that binds a message to a row of the queue.
ROW_TAG = "review-at-{}"
ROW_TAG_PATTERN = re.compile(r"\breview-at-([0-9]+)\b")


class BadReviewPost(Exception):
    """A review post that is malformed or names fields a review may not change."""


def footnotes_before():
    """Return an expression counting the footnotes before each citation in its profile: its
    footnote number less one (footnote numbers are not stored)."""
    earlier = Citation.objects.filter(
        Q(claim__section__position__lt=OuterRef("claim__section__position"))
        | Q(
            claim__section=OuterRef("claim__section"),
            claim__position__lt=OuterRef("claim__position"),
        )
        | Q(claim=OuterRef("claim"), position__lt=OuterRef("position")),
        claim__section__profile=OuterRef("claim__section__profile"),
    )
    return subquery_count(
        earlier, "claim__section__profile", outer=OuterRef("claim__section__profile")
    )


def for_review(queryset, *, after: tuple | None = None):
    """Shape citations for the queue's rows, in the queue's order (after the row whose
    QUEUE_ORDER values are `after`, when given): where each stands, who reviewed it and its
    sources, in a fixed number of queries whatever the rows."""
    links = CitationSource.objects.select_related("source").order_by("position")
    if after is not None:
        queryset = queryset.filter(_after(after))
    return (
        queryset.select_related(
            "claim__section__profile__country",
            "claim__section__profile__topic",
            "reviewed_by",
        )
        # What the rows show, and no more: a profile's status box alone is a JSON document.
        .only(
            *("claim", "position", "text", "text_changed_by", "reviewed_by"),
            *("review_state", "review_note", "reviewed_at", "reviewed_by__username"),
            *("claim__section", "claim__position", "claim__text", "claim__text_changed_by"),
            *("claim__section__profile", "claim__section__position"),
            "claim__section__profile__last_updated",
            *("claim__section__profile__country__name", "claim__section__profile__country__slug"),
            *("claim__section__profile__topic__name", "claim__section__profile__topic__slug"),
        )
        .prefetch_related(Prefetch("source_links", queryset=links))
        .order_by(*QUEUE_ORDER)
    )


def footnote_numbers(citations) -> dict[int, int]:
    """Return the footnote number of each of `citations` (by id), from one query listing
    their profiles' citations in order. Counting those before each row instead, in the
    rows' query, took 0.25 ms a row on PostgreSQL."""
    profiles = {citation.claim.section.profile_id for citation in citations}
    listed = (
        Citation.objects.filter(claim__section__profile__in=profiles)
        .order_by(*QUEUE_ORDER[2:])
        .values_list("claim__section__profile", "pk")
    )
    wanted = {citation.pk for citation in citations}
    numbers, counted = {}, dict.fromkeys(profiles, 0)
    for profile, pk in listed:
        counted[profile] += 1
        if pk in wanted:
            numbers[pk] = counted[profile]
    return numbers


def _after(key: tuple) -> Q:
    """Select the rows after `key` in QUEUE_ORDER: "a > x, or a = x and b > y, or …". The
    first field's bound is given on its own too, so that the database starts its walk
    through the index there. (Planning the condition costs PostgreSQL 5 ms more than page
    one's query, whichever way it is written: as here, or comparing rows, (a, b) > (x, y).)"""
    later = Q()
    for index, field in enumerate(QUEUE_ORDER):
        same = dict(zip(QUEUE_ORDER[:index], key[:index], strict=True))
        later |= Q(**same, **{f"{field}__gt": key[index]})
    return Q(**{f"{QUEUE_ORDER[0]}__gte": key[0]}) & later


def _cursor(value: str) -> tuple | None:
    """Return the QUEUE_ORDER values of the row a page follows (`after`), if it exists."""
    if not CITATION_ID.fullmatch(value):
        return None
    return Citation.objects.filter(pk=int(value)).values_list(*QUEUE_ORDER).first()


@dataclass(frozen=True)
class QueuePage:
    """A page of the queue: its rows, the row it follows and whether more follow."""

    object_list: list
    after: int | None
    has_next: bool

    @property
    def next_after(self) -> int | None:
        return self.object_list[-1].pk if self.has_next else None


def _matching(counts: dict[str, int], state: str) -> int:
    """Return how many citations of the counted selection are in the chosen state."""
    if state == ANY_STATE:
        return counts["total"]
    if state == NOT_VERIFIED:
        return counts["total"] - counts[ReviewState.VERIFIED]
    return counts[state]


class Addresses:
    """The addresses a page of the queue links to for each row, each reversed once a page
    and then filled in with each row's number: reversing them for every row took about
    3 ms of a page of 25 rows."""

    PLACEHOLDER = 2_147_483_629  # a number no row has, standing in for each row's

    def __init__(self):
        self.citation = self._pattern("admin:citations_citation_change")
        self.claim = self._pattern("admin:profiles_claim_change")
        self.profile = self._pattern("admin:profiles_profile_change")
        self.review = self._pattern("citations:review")
        self.claim_comments = self._pattern("citations:claim_comments")
        self.footnote_comments = self._pattern("citations:footnote_comments")
        self.queue = reverse("citations:review_queue")

    def _pattern(self, name: str):
        head, tail = reverse(name, args=[self.PLACEHOLDER]).split(str(self.PLACEHOLDER))
        return lambda pk: f"{head}{pk}{tail}"

    def source(self, source_id: int) -> str:
        """Every citation of a source, in the queue."""
        return f"{self.queue}?source={source_id}&state={ANY_STATE}"


def _describe(link, addresses: Addresses) -> None:
    """Set what _review_sources.html shows of a citation's link to a source: worked out here
    once rather than by template filters, which took a tenth of the page's time."""
    source = link.source
    link.label = f"{source}, {link.pinpoint}" if link.pinpoint else str(source)
    link.web_url = web_address(source.url)
    link.url_text = source.url if len(source.url) <= 60 else f"{source.url[:59]}…"
    link.archived_web_url = web_address(source.archived_url)
    link.queue_url = addresses.source(source.pk)


def _require_viewer(request) -> bool:
    """Let in those who may read citations; return whether they may also review them."""
    can_review = request.user.has_perm("citations.review_citation")
    if not (can_review or request.user.has_perm("citations.view_citation")):
        raise PermissionDenied
    return can_review


def _prepare_rows(
    citations: list, *, user, row_messages: dict[int, list], back_to_row: str = ""
) -> None:
    """Set on each row what its template shows beyond the row itself: its footnote number,
    its addresses, its previous review, the row to show after its review, its messages, and
    its claim's and footnote's comment threads (counted in one query for the page)."""
    previous = previous_reviews(citations)
    numbers = footnote_numbers(citations)
    addresses = Addresses()
    threads = comments.claims_thread_counts({c.claim_id for c in citations}) if citations else None
    for index, citation in enumerate(citations):
        citation.footnote_number = numbers[citation.pk]
        profile = citation.claim.section.profile
        profile.change_url = addresses.profile(profile.pk)
        # A heading row before the first row of each profile.
        first = index == 0 or citations[index - 1].claim.section.profile_id != profile.pk
        citation.heading = profile if first else None
        citation.change_url = addresses.citation(citation.pk)
        citation.claim_url = addresses.claim(citation.claim_id)
        citation.review_url = addresses.review(citation.pk)
        back = f"?next={back_to_row}{citation.pk}"
        citation.claim_threads = threads.claim(citation.claim_id)
        citation.claim_comments_url = f"{addresses.claim_comments(citation.claim_id)}{back}"
        citation.threads = threads.footnote(citation.pk)
        citation.comments_url = f"{addresses.footnote_comments(citation.pk)}{back}"
        for link in citation.source_links.all():
            _describe(link, addresses)
        # Four eyes: say so rather than offer a Verify button the service would refuse.
        citation.wrote_text = user.pk in {
            citation.text_changed_by_id,
            citation.claim.text_changed_by_id,
        }
        citation.previous_review = previous.get(citation.pk)
        # After a review, show the row that follows (or, after the last, the one before).
        following = citations[index + 1 : index + 2] or citations[max(index - 1, 0) : index]
        citation.then = following[0].pk if following else None
        bound = row_messages.get(citation.pk, [])
        citation.row_errors = [m for m in bound if m.level >= messages.ERROR]
        citation.row_notes = [m for m in bound if m.level < messages.ERROR]


def _queue_page(
    request,
    *,
    template: str,
    counts_template: str,
    title: str,
    state: str | None = None,
    rows_take_messages: bool = False,
    **context,
):
    """Render a page of the queue, or only its counts (`counts_template`) when asked for
    them alone; `state`, when given, is fixed rather than chosen. With `rows_take_messages`,
    messages bound to a row are shown on it, not above the page."""
    can_review = _require_viewer(request)
    data = request.GET
    if state is not None:
        data = data.copy()
        data["state"] = state
    filterset = ReviewQueueFilter(data, queryset=Citation.objects.all())
    valid = filterset.is_valid()
    counts_alone = request.GET.get(PART) == COUNTS_PART
    counts = None  # not counted (yet): the selection is too wide to count with the page
    if valid and (filterset.narrow or counts_alone or request.GET.get(COUNT)):
        counts = filterset.counts_by_state()
    counts_context = {
        "valid": valid,
        "counts": counts,
        "matching": _matching(counts, filterset.chosen_state) if counts else None,
        "state_counts": [
            (value, label, counts[value] if counts else None)
            for value, label in ReviewState.choices
        ],
        "current_state": filterset.chosen_state,
        "any_state": ANY_STATE,
        "counts_template": counts_template,
    }
    if counts_alone:
        return TemplateResponse(request, counts_template, counts_context)
    after = request.GET.get("after", "")
    cursor = _cursor(after) if valid and after else None
    citations = []
    if valid:
        citations = list(for_review(filterset.qs, after=cursor)[: CITATIONS_PER_PAGE + 1])
    page = QueuePage(
        object_list=citations[:CITATIONS_PER_PAGE],
        after=int(after) if cursor else None,
        has_next=len(citations) > CITATIONS_PER_PAGE,
    )
    citations = page.object_list
    row_messages, page_messages = _messages_by_row(request) if rows_take_messages else ({}, None)
    back_to_row = quote(f"{request.get_full_path()}#citation-", safe="/")
    _prepare_rows(citations, user=request.user, row_messages=row_messages, back_to_row=back_to_row)
    if page_messages is not None:
        # Messages for rows not on this page (filtered out since) are shown above it.
        shown = {citation.pk for citation in citations}
        page_messages += [m for pk, found in row_messages.items() if pk not in shown for m in found]
        context["messages"] = page_messages
    context = {
        **admin.site.each_context(request),
        **counts_context,
        "title": title,
        "filter": filterset,
        "page_obj": page,
        "per_page": CITATIONS_PER_PAGE,
        "can_review": can_review,
        "bulk_choices": BULK_CHOICES,
        "bulk_action": BULK_ACTION,
        "chosen_source": filterset.form.cleaned_data.get("source") if valid else None,
        "here": request.get_full_path(),
        # Where editing a row's claim or footnote comes back to: this page, at that row
        # (the row's number follows), encoded for a query string.
        "back_to_row": back_to_row,
        **context,
    }
    return TemplateResponse(request, template, context)


@require_GET
def review_queue(request):
    """List citations to review, claim and footnote side by side, filtered and paged."""
    return _queue_page(
        request,
        template="admin/citations/review_queue.html",
        counts_template="admin/citations/_review_counts.html",
        title="Review queue",
        rows_take_messages=True,
    )


@require_GET
def disputes(request):
    """List disputed citations with the reviewers' notes, for the editors who fix them."""
    return _queue_page(
        request,
        template="admin/citations/disputes.html",
        counts_template="admin/citations/_review_dispute_counts.html",
        title="Disputed citations",
        state=ReviewState.DISPUTED,
        fields=["q", "country", "topic", "profile", "source_kind"],
    )


@require_POST
def review(request, pk):
    """Record one review (state and note) of one citation, then go back to the queue: to
    the next row when done, to this one (with the error beside its note) when refused."""
    _require_reviewer(request)
    citation = get_object_or_404(
        Citation.objects.select_related(
            "claim__section__profile__country", "claim__section__profile__topic"
        ).annotate(footnotes_before=footnotes_before()),
        pk=pk,
    )
    try:
        state, note = _review_input(request, allowed=REVIEW_FIELDS)
        then = request.POST.get("then", "")
        if then and not CITATION_ID.fullmatch(then):
            raise BadReviewPost("The row to show next is named by its number.")
    except BadReviewPost as problem:
        return _bad_request(request, str(problem))
    if _missing_note(request, state, note, at=citation.pk):
        return _back(request, anchor=f"citation-{citation.pk}")
    try:
        citation_review(citation=citation, reviewer=request.user, state=state, note=note)
    except ReviewRefused as refusal:
        messages.error(request, f"Not reviewed: {refusal}", extra_tags=ROW_TAG.format(pk))
        return _back(request, anchor=f"citation-{citation.pk}")
    done = (
        f"Footnote [{citation.footnotes_before + 1}] of {citation.claim.section.profile} "
        f"marked {ReviewState(state).label.lower()}."
    )
    if then:
        messages.success(request, done, extra_tags=ROW_TAG.format(then))
        return _back(request, anchor=f"citation-{then}")
    messages.success(request, done)
    return _back(request)


@require_POST
def review_bulk(request):
    """Record the same review of several citations; refusals don't stop the others."""
    _require_reviewer(request)
    try:
        state, note = _review_input(request, allowed=BULK_REVIEW_FIELDS)
        if request.POST.get("action", BULK_ACTION) != BULK_ACTION:
            raise BadReviewPost("Unknown action.")
        ids = request.POST.getlist("citation")
        if not all(CITATION_ID.fullmatch(value) for value in ids):
            raise BadReviewPost("Citations are chosen by their numbers.")
        if len(ids) > CITATIONS_PER_PAGE:
            raise BadReviewPost(f"Review at most {CITATIONS_PER_PAGE} citations (a page) at once.")
    except BadReviewPost as problem:
        return _bad_request(request, str(problem))
    if _missing_note(request, state, note):
        return _back(request)
    if not ids:
        messages.warning(request, "Select the citations to review first.")
        return _back(request)
    citations = list(
        Citation.objects.filter(pk__in=ids).order_by(
            "claim__section__profile", "claim__section__position", "claim__position", "position"
        )
    )
    reviewed, refusals = citations_review(
        citations=citations, reviewer=request.user, state=state, note=note
    )
    label = ReviewState(state).label.lower()
    if reviewed:
        messages.success(request, f"Marked {reviewed} citation{_s(reviewed)} {label}.")
    if refusals:
        messages.error(
            request,
            format_html(
                "{} citation{} not marked {}:<ul>{}</ul>",
                len(refusals),
                _s(len(refusals)),
                label,
                format_html_join("", "<li>{}</li>", ((refusal,) for refusal in refusals)),
            ),
        )
    if missing := len(set(ids)) - len(citations):
        messages.warning(request, f"{missing} selected citation{_s(missing)} no longer exist.")
    return _back(request)


def _require_reviewer(request) -> None:
    if not request.user.has_perm("citations.review_citation"):
        raise PermissionDenied("Only fact-checkers review citations.")


def _review_input(request, *, allowed: set[str]) -> tuple[str, str]:
    """Return the state and note a review post asks for; refuse anything else."""
    unknown = sorted(set(request.POST) - allowed)
    if unknown:
        raise BadReviewPost(
            f"A review changes the review state and note only; this form also sent "
            f"{', '.join(f'“{name}”' for name in unknown)}. Nothing was changed."
        )
    repeated = sorted(
        name for name in allowed - {"citation"} if len(request.POST.getlist(name)) > 1
    )
    if repeated:
        raise BadReviewPost(f"This form sent {', '.join(repeated)} more than once.")
    state = request.POST.get("state", "")
    if state not in ReviewState.values:
        raise BadReviewPost("Choose a review state: verified, disputed or source unavailable.")
    return state, request.POST.get("note", "").strip()


def _missing_note(request, state: str, note: str, *, at: int | None = None) -> bool:
    """Refuse a dispute without a note (with a message, on the row `at` when given): the
    editors need to know what to fix."""
    if state in NOTE_REQUIRED and not note:
        messages.error(
            request,
            "Not disputed: say in the note what is wrong, so that an editor can fix it.",
            extra_tags=ROW_TAG.format(at) if at is not None else "",
        )
        return True
    return False


def _messages_by_row(request) -> tuple[dict[int, list], list]:
    """Split the request's messages into those bound to a row (by citation) and the rest."""
    by_row, others = {}, []
    for message in messages.get_messages(request):
        bound = ROW_TAG_PATTERN.search(message.extra_tags or "")
        if bound:
            by_row.setdefault(int(bound[1]), []).append(message)
        else:
            others.append(message)
    return by_row, others


def _bad_request(request, problem: str):
    context = {
        **admin.site.each_context(request),
        "title": "Review refused",
        "problem": problem,
        "back": _next_url(request),
    }
    return TemplateResponse(request, "admin/citations/review_refused.html", context, status=400)


def _next_url(request) -> str:
    """Return where the form came from (its filters and page), if it is on this site."""
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("citations:review_queue")


def _back(request, *, anchor: str = "") -> HttpResponseRedirect:
    url = _next_url(request).split("#")[0]
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def _s(count: int) -> str:
    return "" if count == 1 else "s"


# Comment threads -------------------------------------------------------------------------------

# What the thread forms post, besides the comment's text: where to go back to.
COMMENT_ACTS = {"reply", "resolve", "reopen"}
# Asked for by static/monitor/comments.js: the threads alone, and after a post the threads
# again (rather than a redirect), to show in place.
THREADS_PART = "threads"


@require_http_methods(["GET", "POST"])
def claim_comments(request, pk):
    """The threads on a claim: read them, start one (POST), answer or resolve one."""
    claim = get_object_or_404(
        Claim.objects.select_related("section__profile__country", "section__profile__topic"),
        pk=pk,
    )
    return _comments_view(request, claim=claim, citation=None)


@require_http_methods(["GET", "POST"])
def footnote_comments(request, pk):
    """The threads on a footnote (citation), as claim_comments."""
    citation = get_object_or_404(
        Citation.objects.select_related(
            "claim__section__profile__country", "claim__section__profile__topic"
        ).annotate(footnotes_before=footnotes_before()),
        pk=pk,
    )
    return _comments_view(request, claim=citation.claim, citation=citation)


@require_POST
def comment_act(request, pk, act):
    """Reply to a thread, resolve it or reopen it; then back where the form came from."""
    if not request.user.has_perm("profiles.view_profile"):
        raise PermissionDenied
    if act not in COMMENT_ACTS:
        raise Http404("No such action.")
    thread = get_object_or_404(Comment.objects.threads(), pk=pk)
    claim = Claim.objects.select_related(
        "section__profile__country", "section__profile__topic"
    ).get(pk=thread.claim_id)
    citation = None
    if thread.citation_id is not None:
        citation = Citation.objects.annotate(footnotes_before=footnotes_before()).get(
            pk=thread.citation_id
        )
    try:
        if act == "reply":
            comments.comment_reply(
                thread=thread, text=request.POST.get("text", ""), user=request.user
            )
            done = "Reply posted."
        elif act == "resolve":
            comments.thread_resolve(thread=thread, user=request.user)
            done = "Thread resolved."
        else:
            comments.thread_reopen(thread=thread, user=request.user)
            done = "Thread reopened."
    except ValidationError as error:
        return _comments_page(
            request, claim=claim, citation=citation, errors={thread.pk: error.messages}
        )
    return _comments_done(request, claim=claim, citation=citation, done=done)


def _comments_view(request, *, claim, citation):
    """Show the threads on a claim or footnote; on POST, start one there."""
    if not request.user.has_perm("profiles.view_profile"):
        raise PermissionDenied
    if request.method != "POST":
        return _comments_page(request, claim=claim, citation=citation)
    about = citation if citation is not None else claim
    try:
        comments.thread_start(about=about, text=request.POST.get("text", ""), user=request.user)
    except ValidationError as error:
        return _comments_page(
            request, claim=claim, citation=citation, errors={"new": error.messages}
        )
    return _comments_done(request, claim=claim, citation=citation, done="Thread started.")


def _comments_page(request, *, claim, citation, errors=None):
    """Render the threads (with `errors` by thread id, or "new", beside their forms): the
    whole page, or the threads alone for comments.js."""
    errors = errors or {}
    subject = _subject(claim, citation)
    threads = comments.comments_for(
        claim_id=claim.pk, citation_id=citation.pk if citation is not None else None
    )
    for thread in threads:
        thread.form_errors = errors.get(thread.pk, [])
    back = _comments_next(request, claim=claim, citation=citation)
    editor = reverse("admin:profiles_profile_editor", args=[claim.section.profile_id])
    context = {
        **admin.site.each_context(request),
        "title": f"Comments on {subject}",
        "subject": subject,
        "claim": claim,
        "citation": citation,
        "profile": claim.section.profile,
        "threads": threads,
        "open_count": sum(thread.resolved_at is None for thread in threads),
        "can_comment": comments.can_comment(request.user),
        "new_errors": errors.get("new", []),
        "posted_text": request.POST.get("text", "") if errors else "",
        "here": reverse(
            "citations:footnote_comments" if citation else "citations:claim_comments",
            args=[(citation or claim).pk],
        ),
        "next": back,
        "max_length": comments.MAX_LENGTH,
        "back_label": "Back to the profile editor"
        if back.startswith(editor)
        else "Back to where you were",
        "editor_url": "" if back.startswith(editor) else f"{editor}#claim-{claim.pk}",
    }
    status = 400 if errors else 200
    if _wants_threads_only(request):
        return TemplateResponse(request, "admin/comments/_threads.html", context, status=status)
    return TemplateResponse(request, "admin/comments/comments.html", context, status=status)


def _comments_done(request, *, claim, citation, done: str):
    """After a comment's post: the threads again for comments.js, else a message and back."""
    if _wants_threads_only(request):
        return _comments_page(request, claim=claim, citation=citation)
    messages.success(request, f"{done} ({_subject(claim, citation)})")
    return HttpResponseRedirect(_comments_next(request, claim=claim, citation=citation))


def _subject(claim, citation) -> str:
    profile = claim.section.profile
    if citation is not None:
        return f"footnote [{citation.footnotes_before + 1}] of {profile}"
    return f"a claim of {profile}"


def _wants_threads_only(request) -> bool:
    return (request.POST or request.GET).get("part") == THREADS_PART


def _comments_next(request, *, claim, citation) -> str:
    """Return the page (with its anchor) the comments were opened from, if on this site, or
    else the claim or footnote in the profile editor."""
    url = request.POST.get("next") or request.GET.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    anchor = f"footnote-{citation.pk}" if citation is not None else f"claim-{claim.pk}"
    return f"{reverse('admin:profiles_profile_editor', args=[claim.section.profile_id])}#{anchor}"
