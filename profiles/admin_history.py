"""The admin pages of a profile's history: its timeline of change sets, the profile as it
stood at any time, comparisons, and reverts (with a confirmation page showing what changes).

ProfileAdmin.get_urls() adds these pages under /admin/profiles/profile/<id>/timeline/.
Anyone who may view profiles reads them; reverting needs the permissions to add, change and
delete a profile's sections, claims, citations and source links (Editors and Publishers).
The pages run a fixed number of queries whatever the number of history records.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode

from profiles.compare import paragraphs
from profiles.models import ChangeSet, Profile
from profiles.revert import (
    RevertRefused,
    change_set_revert,
    plan_change_set_revert,
    plan_profile_revert,
    profile_revert_to,
)
from profiles.timeline import (
    change_set_entries,
    change_set_states,
    compare_states,
    profile_change_sets,
    profile_state_at,
    profile_state_now,
)

CHANGE_SETS_PER_PAGE = 25

REVERT_PERMISSIONS = [
    "profiles.change_profile",
    *(
        f"{app}.{action}_{model}"
        for app, model in [
            ("profiles", "section"),
            ("profiles", "claim"),
            ("citations", "citation"),
            ("citations", "citationsource"),
        ]
        for action in ("add", "change", "delete")
    ),
]


def urls(model_admin) -> list:
    """The URL patterns of the history pages, for ProfileAdmin.get_urls()."""

    def view(function):
        def wrapped(request, object_id, **kwargs):
            return function(model_admin, request, object_id, **kwargs)

        return model_admin.admin_site.admin_view(wrapped)

    timeline = "<path:object_id>/timeline"
    change_set = f"{timeline}/change-sets/<int:change_set_id>"
    return [
        path(f"{timeline}/", view(timeline_view), name="profiles_profile_timeline"),
        path(f"{timeline}/at/", view(at_view), name="profiles_profile_timeline_at"),
        path(f"{timeline}/compare/", view(compare_view), name="profiles_profile_timeline_compare"),
        path(
            f"{timeline}/compare-publication/",
            view(compare_publication_view),
            name="profiles_profile_timeline_compare_publication",
        ),
        path(f"{timeline}/revert/", view(revert_to_view), name="profiles_profile_timeline_revert"),
        path(
            f"{change_set}/compare/",
            view(change_set_compare_view),
            name="profiles_profile_change_set_compare",
        ),
        path(
            f"{change_set}/revert/",
            view(change_set_revert_view),
            name="profiles_profile_change_set_revert",
        ),
    ]


# Helpers --------------------------------------------------------------------------------------


def can_revert(model_admin, request) -> bool:
    return model_admin.has_change_permission(request) and request.user.has_perms(REVERT_PERMISSIONS)


def _profile(model_admin, request, object_id, *, revert: bool = False) -> Profile:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    if revert and not can_revert(model_admin, request):
        raise PermissionDenied
    profile = (
        Profile.objects.select_related("country", "topic__treaty", "latest_publication")
        .filter(pk=object_id if str(object_id).isdigit() else None)
        .first()
    )
    if profile is None:
        raise Http404("No such profile.")
    return profile


def parse_when(value: str | None) -> datetime.datetime | None:
    """Read a point in time from a form or a link: ISO 8601, as a datetime-local field sends
    it ("2016-06-07T14:30") or with seconds, fractions and an offset. A time without an
    offset is in the site's time zone."""
    if not value:
        return None
    try:
        when = parse_datetime(value.strip())
        if when is not None and timezone.is_naive(when):
            when = timezone.make_aware(when)
        # A moment the database cannot hold: in UTC, before year 1 or after 9999.
        if when is not None:
            when.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        return None
    return when


def iso(when: datetime.datetime) -> str:
    return timezone.localtime(when).isoformat()


def _required_when(value) -> datetime.datetime:
    when = parse_when(value)
    if when is None:
        raise _BadInput("Give a date and time, e.g. 2016-06-07T14:30.")
    return when


class _BadInput(Exception):
    pass


def _context(model_admin, request, profile, title, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "profile": profile,
        "can_revert": can_revert(model_admin, request),
        "timeline_url": reverse("admin:profiles_profile_timeline", args=[profile.pk]),
        **extra,
    }


def _back_to_timeline(profile, request, message, level=messages.ERROR):
    messages.add_message(request, level, message)
    return redirect("admin:profiles_profile_timeline", profile.pk)


def _at_url(profile, when) -> str:
    url = reverse("admin:profiles_profile_timeline_at", args=[profile.pk])
    return f"{url}?{urlencode({'when': iso(when)})}"


# Pages ----------------------------------------------------------------------------------------


def timeline_view(model_admin, request, object_id):
    """List the change sets within the profile, newest first, each with what it touched."""
    profile = _profile(model_admin, request, object_id)
    paginator = Paginator(profile_change_sets(profile), CHANGE_SETS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    entries = change_set_entries(profile, list(page.object_list))
    for entry in entries:
        if entry.last_date:
            entry.after_url = _at_url(profile, entry.last_date)
    now = timezone.localtime().replace(microsecond=0, tzinfo=None).isoformat()
    context = _context(
        model_admin,
        request,
        profile,
        f"Timeline of {profile}",
        entries=entries,
        page_obj=page,
        page_range=paginator.get_elided_page_range(page.number),
        now=now,
    )
    return TemplateResponse(request, "admin/profiles/profile/history_timeline.html", context)


def at_view(model_admin, request, object_id):
    """Show the working copy as it stood at a time, rendered like the public page."""
    profile = _profile(model_admin, request, object_id)
    try:
        when = _required_when(request.GET.get("when"))
    except _BadInput as error:
        return _back_to_timeline(profile, request, str(error))
    snapshot = profile_state_at(profile, when)
    if snapshot is None:
        return _back_to_timeline(profile, request, f"{profile} did not exist yet at that time.")
    compare_url = reverse("admin:profiles_profile_timeline_compare", args=[profile.pk])
    revert_url = reverse("admin:profiles_profile_timeline_revert", args=[profile.pk])
    context = _context(
        model_admin,
        request,
        profile,
        f"{profile} as it stood on {timezone.localtime(when):%d %B %Y, %H:%M:%S}",
        when=when,
        snapshot=snapshot,
        **_report_context(snapshot),
        compare_now_url=f"{compare_url}?{urlencode({'from': iso(when)})}",
        revert_url=f"{revert_url}?{urlencode({'when': iso(when)})}",
    )
    return TemplateResponse(request, "admin/profiles/profile/history_at.html", context)


def _report_context(snapshot: dict) -> dict:
    """Arrange a snapshot for profiles/_report.html, as the public report does."""
    sections = [{**section, "paragraphs": paragraphs(section)} for section in snapshot["sections"]]
    return {"sections": sections}


def compare_view(model_admin, request, object_id):
    """Compare the working copy at two times (the second one defaults to now)."""
    profile = _profile(model_admin, request, object_id)
    try:
        old_when = _required_when(request.GET.get("from"))
        new_when = parse_when(request.GET.get("to")) or timezone.now()
    except _BadInput as error:
        return _back_to_timeline(profile, request, str(error))
    if old_when > new_when:
        old_when, new_when = new_when, old_when
    old, new = profile_state_at(profile, old_when), profile_state_at(profile, new_when)
    if old is None or new is None:
        return _back_to_timeline(profile, request, f"{profile} did not exist yet at that time.")
    return _comparison_page(
        model_admin,
        request,
        profile,
        compare_states(old, new),
        title=f"{profile}: what changed",
        old_label=f"as it stood on {timezone.localtime(old_when):%d %B %Y, %H:%M:%S}",
        new_label=f"as it stood on {timezone.localtime(new_when):%d %B %Y, %H:%M:%S}",
        old_url=_at_url(profile, old_when),
        new_url=_at_url(profile, new_when),
    )


def change_set_compare_view(model_admin, request, object_id, change_set_id):
    """Compare the working copy just before a change set with just after it."""
    profile = _profile(model_admin, request, object_id)
    change_set = get_object_or_404(ChangeSet.objects.select_related("user"), pk=change_set_id)
    states = change_set_states(profile, change_set)
    if states is None:
        raise Http404("This change set changed nothing within this profile.")
    return _comparison_page(
        model_admin,
        request,
        profile,
        compare_states(*states),
        title=f"{profile}: change set #{change_set.pk}",
        change_set=change_set,
        old_label="just before this change set",
        new_label="just after it",
    )


def compare_publication_view(model_admin, request, object_id):
    """Compare the latest edition with the working copy: what will change on publishing."""
    profile = _profile(model_admin, request, object_id)
    latest = profile.latest_publication
    if latest is None:
        return _back_to_timeline(
            profile, request, f"{profile} has never been published: all of it is new."
        )
    return _comparison_page(
        model_admin,
        request,
        profile,
        compare_states(latest.snapshot, profile_state_now(profile)),
        title=f"{profile}: what will change when you publish",
        old_label=f"edition {latest.number}, published "
        f"{timezone.localtime(latest.published_at):%d %B %Y, %H:%M}",
        new_label="the working copy now",
        old_url=latest.get_absolute_url(),
    )


def _comparison_page(model_admin, request, profile, comparison, *, title, **extra):
    context = _context(model_admin, request, profile, title, comparison=comparison, **extra)
    return TemplateResponse(request, "admin/profiles/profile/history_compare.html", context)


def change_set_revert_view(model_admin, request, object_id, change_set_id):
    """Confirm, then undo what a change set did within the profile."""
    profile = _profile(model_admin, request, object_id, revert=True)
    change_set = get_object_or_404(ChangeSet.objects.select_related("user"), pk=change_set_id)
    if request.method == "POST":
        result = change_set_revert(change_set=change_set, profile=profile, user=request.user)
        return _reverted(request, profile, result)
    plan = plan_change_set_revert(profile=profile, change_set=change_set)
    return _confirm_page(
        model_admin,
        request,
        profile,
        plan,
        title=f"Revert change set #{change_set.pk} of {profile}",
        change_set=change_set,
    )


def revert_to_view(model_admin, request, object_id):
    """Confirm, then put the whole working copy back as it stood at a time."""
    profile = _profile(model_admin, request, object_id, revert=True)
    data = request.POST if request.method == "POST" else request.GET
    try:
        when = _required_when(data.get("when"))
        if request.method == "POST":
            result = profile_revert_to(profile=profile, when=when, user=request.user)
            return _reverted(request, profile, result)
        plan = plan_profile_revert(profile=profile, when=when)
    except (_BadInput, RevertRefused) as error:
        return _back_to_timeline(profile, request, str(error))
    return _confirm_page(
        model_admin,
        request,
        profile,
        plan,
        title=f"Revert {profile} to {timezone.localtime(when):%d %B %Y, %H:%M:%S}",
        when=iso(when),
        at_url=_at_url(profile, when),
    )


def _confirm_page(model_admin, request, profile, plan, *, title, **extra):
    context = _context(
        model_admin, request, profile, title, plan=plan, comparison=plan.comparison(), **extra
    )
    return TemplateResponse(request, "admin/profiles/profile/history_revert_confirm.html", context)


def _reverted(request, profile, result):
    if result.change_set is None:
        messages.warning(request, "Nothing to revert: the working copy already reads that way.")
    else:
        messages.success(
            request,
            f"Reverted {profile} ({result.plan.summary}) as change set #{result.change_set.pk}; "
            "revert that change set to undo it.",
        )
    for note in result.plan.skipped:
        messages.warning(request, note)
    return redirect("admin:profiles_profile_timeline", profile.pk)
