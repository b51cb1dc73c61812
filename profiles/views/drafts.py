"""The draft preview: staff read a profile's working copy as its public page would show it.

Never a public page: it reads the session, is never kept by a shared cache, asks search
engines not to index it, and answers anyone who may not read profiles in the admin with the
same 404 as a profile that does not exist, so that it tells no one a draft exists.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from profiles.models import Profile, TreatyStatus
from profiles.snapshots import build_snapshot, report_layout


@require_safe
@never_cache
def profile_draft(request, country, topic):
    profile = None
    if request.user.is_staff and request.user.has_perm("profiles.view_profile"):
        profile = (
            Profile.objects.with_tree().select_related("latest_publication").of(country, topic)
        ).first()
    if profile is None:
        raise Http404(f"There is no published profile “{topic}” for “{country}”.")
    snapshot = build_snapshot(profile, TreatyStatus.objects.reported_in(profile).first())
    response = render(
        request,
        "profiles/profile_draft.html",
        {"profile": profile, "snapshot": snapshot, "is_latest": True, **report_layout(snapshot)},
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
