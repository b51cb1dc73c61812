"""The release admin: a publisher's desk for the report cycle's releases.

The change list shows each release's state, launch time (in its own time zone), deadlines and
number of profiles, with a link to its progress board (profiles/release_board.py). The add
form takes the launch as a local date and time in a chosen time zone, and can add every
profile of the release's topic at once. A release's change page edits its name, deadlines and
edition note while it is preparing, and below them its profiles: who edits and who
fact-checks each (one save for all rows, refused whole when one row is wrong), adding and
taking out profiles, and the acts Schedule, Postpone and Cancel, each confirmed on a page of
its own. A launched or cancelled release is read only, with each profile's outcome.

Every act goes through the services of profiles/releases.py, so each is one change set
naming the user; the release's own fields (name, deadlines, edition note) are saved as any
versioned admin form is (HistoryAdmin: history with the user, refused over a newer save).
No release is ever deleted: its history is the record of a year's report.

Permissions: viewing a release needs `profiles.view_release` (Editors, Fact-checkers and
Publishers). Changing it, its assignments and its profiles needs `profiles.change_release`
(Publishers). Scheduling, postponing and cancelling decide when and whether profiles are
published, so they need `profiles.publish_profile` as well (Publishers; a superuser has
both).
"""

from __future__ import annotations

import datetime
import functools
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTimeWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from history.admin import HistoryAdmin, subquery_count
from history.forms import AdminDateInput, VersionedModelForm
from profiles import release_board
from profiles.models import Profile, Release, ReleaseProfile, ReleaseProgress
from profiles.releases import (
    assignment_change,
    release_add_profiles,
    release_cancel,
    release_create,
    release_postpone,
    release_remove_profile,
    release_schedule,
)
from profiles.roles import EDITORS, FACT_CHECKERS

PUBLISH_PERMISSION = "profiles.publish_profile"


# Local times in a chosen time zone ----------------------------------------------------------


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def default_time_zone() -> str:
    """The site's time zone (settings.TIME_ZONE) when it is an IANA name, else UTC."""
    name = settings.TIME_ZONE or "UTC"
    return name if name in time_zone_names() else "UTC"


def local_to_aware(day: datetime.date, time: datetime.time, zone_name: str) -> datetime.datetime:
    """Return the moment a clock in `zone_name` shows `time` on `day`; refuse a time the
    clocks skip there (when they go forward)."""
    zone = zoneinfo.ZoneInfo(zone_name)
    wall = datetime.datetime.combine(day, time.replace(second=0, microsecond=0))
    moment = wall.replace(tzinfo=zone)
    if moment.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise ValidationError(
            f"{wall:%H:%M} on {day:%d %B %Y} does not exist in {zone_name}: the clocks go "
            "forward then. Choose another time."
        )
    return moment


def launch_date_field() -> forms.DateField:
    return forms.DateField(label="Launch date", widget=AdminDateInput)


def launch_time_field() -> forms.TimeField:
    return forms.TimeField(
        label="Launch time",
        widget=AdminTimeWidget(format="%H:%M"),
        help_text="As the clocks show it where the report is launched (24-hour, e.g. 09:00).",
    )


def launch_from(form: forms.Form, zone_name: str) -> datetime.datetime | None:
    """The launch that a form's `launch_date` and `launch_time` give in `zone_name`, as an
    aware moment, or None (with the error on the form's time field)."""
    day, time = form.cleaned_data.get("launch_date"), form.cleaned_data.get("launch_time")
    if day is None or time is None:
        return None
    try:
        return local_to_aware(day, time, zone_name)
    except ValidationError as error:
        form.add_error("launch_time", error)
        return None


def _zone_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Time zone",
        choices=[(name, name) for name in time_zone_names()],
        initial=default_time_zone,
        help_text="Where the report is launched: the launch date and time are its clocks'.",
    )


class ReleaseAddForm(VersionedModelForm):
    """A new release: the launch typed as local date and time in a chosen time zone, stored
    as the aware `launch_at` and the zone's name."""

    launch_date = launch_date_field()
    launch_time = launch_time_field()
    launch_time_zone = _zone_field()
    add_topic_profiles = forms.BooleanField(
        label="Add every profile of this topic",
        required=False,
        initial=True,
        help_text="Those already in another open release are left out (and listed).",
    )

    class Meta:
        model = Release
        fields = [
            "name",
            "topic",
            "drafting_deadline",
            "review_deadline",
            "launch_time_zone",
            "edition_note",
        ]

    def clean(self):
        cleaned_data = super().clean()
        zone = cleaned_data.get("launch_time_zone")
        if zone:
            launch_at = launch_from(self, zone)
            if launch_at is not None and launch_at <= timezone.now():
                self.add_error("launch_date", "This launch time has passed: choose one to come.")
            elif launch_at is not None:
                self.instance.launch_at = launch_at
        return cleaned_data


class ReleaseChangeForm(VersionedModelForm):
    class Meta:
        model = Release
        fields = ["name", "drafting_deadline", "review_deadline", "edition_note"]


class PostponeForm(forms.Form):
    """A new launch, as a local date and time in the release's time zone."""

    launch_date = launch_date_field()
    launch_time = launch_time_field()

    def __init__(self, *args, release: Release, **kwargs):
        local = release.launch_local
        initial = {"launch_date": local.date(), "launch_time": local.time()}
        super().__init__(*args, initial=initial, **kwargs)
        self.release = release

    def clean(self):
        cleaned_data = super().clean()
        cleaned_data["launch_at"] = launch_from(self, self.release.launch_time_zone)
        return cleaned_data


# The admin ----------------------------------------------------------------------------------


def board_url(release: Release) -> str | None:
    """The release's progress board, or None while the board has no page."""
    try:
        return reverse("admin:profiles_release_board", args=[release.pk])
    except NoReverseMatch:
        return None


def assignable(role: str) -> list:
    """The active users of a role's group, by name (one query)."""
    return list(
        get_user_model()
        .objects.filter(groups__name=role, is_active=True)
        .order_by("username")
        .distinct()
    )


@admin.register(Release)
class ReleaseAdmin(HistoryAdmin):
    list_display = [
        "name",
        "topic",
        "state",
        "launch",
        "drafting_deadline",
        "review_deadline",
        "profiles",
        "board",
    ]
    list_filter = ["state", "topic"]
    list_select_related = ["topic"]
    search_fields = ["name"]
    object_select_related = ["topic"]
    form = ReleaseChangeForm
    add_fieldsets = [
        (None, {"fields": ["name", "topic", "add_topic_profiles"]}),
        (
            "Deadlines and launch",
            {
                "fields": [
                    "drafting_deadline",
                    "review_deadline",
                    "launch_date",
                    "launch_time",
                    "launch_time_zone",
                ]
            },
        ),
        (None, {"fields": ["edition_note"]}),
    ]
    fieldsets = [
        (None, {"fields": ["name", "topic", "state"]}),
        ("Deadlines and launch", {"fields": ["drafting_deadline", "review_deadline", "launch"]}),
        (None, {"fields": ["edition_note"]}),
    ]
    readonly_fields = ["topic", "state", "launch"]

    def get_urls(self):
        return [*release_board.urls(self), *urls(self), *super().get_urls()]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(profile_count=subquery_count(ReleaseProfile.objects, "release"))
        )

    # Permissions: no delete; launched and cancelled releases are read only.

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_open:
            return False
        return super().has_change_permission(request, obj)

    def has_act_permission(self, request) -> bool:
        """May schedule, postpone and cancel releases."""
        return super().has_change_permission(request) and request.user.has_perm(PUBLISH_PERMISSION)

    # The forms.

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ReleaseAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.state != Release.State.PREPARING:
            return [name for _, options in self.fieldsets for name in options["fields"]]
        return self.readonly_fields

    def get_changeform_initial_data(self, request):
        return {**super().get_changeform_initial_data(request), "add_topic_profiles": True}

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        release = release_create(
            name=data["name"],
            topic=data["topic"],
            drafting_deadline=data["drafting_deadline"],
            review_deadline=data["review_deadline"],
            launch_at=obj.launch_at,
            launch_time_zone=data["launch_time_zone"],
            edition_note=data["edition_note"],
            user=request.user,
        )
        # The admin goes on with the form's instance: make it the release just created.
        obj.pk, obj.name, obj._state.adding = release.pk, release.name, False
        if release.topic is not None and data["add_topic_profiles"]:
            self._add_free_profiles(request, release, Profile.objects.filter(topic=release.topic))
        return None

    def _add_free_profiles(self, request, release, profiles) -> None:
        """Add those of `profiles` in no open release; name the others."""
        profiles = list(profiles.select_related("country", "topic").order_by("country__name"))
        taken = set(
            ReleaseProfile.objects.filter(profile__in=profiles, in_open_release=True).values_list(
                "profile_id", flat=True
            )
        )
        free = [profile for profile in profiles if profile.pk not in taken]
        release_add_profiles(release, free, user=request.user)
        self.message_user(request, f"Added {_count(len(free), 'profile')} to “{release}”.")
        left = [str(profile) for profile in profiles if profile.pk in taken]
        if left:
            self.message_user(
                request,
                f"Left out {_count(len(left), 'profile')} already in another open release: "
                f"{'; '.join(left)}.",
                messages.WARNING,
            )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(desk_context(self, request, obj), show_save_and_add_another=False)
            if obj.state != Release.State.PREPARING:
                context.update(show_save=False, show_save_and_continue=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # The change list's columns.

    @admin.display(description="launch", ordering="launch_at")
    def launch(self, obj):
        return obj.launch_label

    @admin.display(description="profiles", ordering="profile_count")
    def profiles(self, obj):
        return obj.profile_count

    @admin.display(description="board")
    def board(self, obj):
        url = board_url(obj)
        return format_html('<a href="{}">Progress board</a>', url) if url else "—"


def desk_context(model_admin, request, release: Release) -> dict:
    """What the change page shows below the release's fields: its profiles, the people who
    may be assigned, the profiles that may be added, and the acts the user may take."""
    can_change = model_admin.has_change_permission(request, release)
    entries = list(
        ReleaseProfile.objects.filter(release=release)
        .for_board()
        .select_related("publication")
        .defer("publication__snapshot", "publication__checksum")
        .order_by("profile__country__name")
    )
    labels = dict(ReleaseProgress.choices)
    for entry in entries:
        entry.progress_label = labels.get(entry.progress, entry.progress)
    context = {
        "entries": entries,
        "can_manage": can_change,
        "can_act": release.is_open and model_admin.has_act_permission(request),
        "board_url": board_url(release),
    }
    if can_change:
        editors, checkers = assignable(EDITORS), assignable(FACT_CHECKERS)
        addable = Profile.objects.exclude(release_entries__in_open_release=True)
        if release.topic_id is not None:
            addable = addable.filter(topic_id=release.topic_id)
        addable = list(addable.select_related("country", "topic").order_by("country__name"))
        context.update(
            editors=editors,
            fact_checkers=checkers,
            addable=addable,
            rows=[
                {
                    "entry": entry,
                    "editors": _options(editors, entry.editor_id),
                    "fact_checkers": _options(checkers, entry.fact_checker_id),
                }
                for entry in entries
            ],
        )
    return context


def _options(users, chosen_id) -> list[tuple[int, str, bool]]:
    return [(user.pk, user.get_username(), user.pk == chosen_id) for user in users]


# The desk's acts ----------------------------------------------------------------------------


def urls(model_admin) -> list:
    """The URL patterns of the acts, for ReleaseAdmin.get_urls()."""

    def view(function, *, post_only=False):
        def wrapped(request, object_id, **kwargs):
            return function(model_admin, request, object_id, **kwargs)

        return model_admin.admin_site.admin_view(require_POST(wrapped) if post_only else wrapped)

    release = "<path:object_id>"
    return [
        path(
            f"{release}/assignments/",
            view(assignments_view, post_only=True),
            name="profiles_release_assignments",
        ),
        path(
            f"{release}/add-profiles/",
            view(add_profiles_view, post_only=True),
            name="profiles_release_add_profiles",
        ),
        path(
            f"{release}/remove-profile/",
            view(remove_profile_view, post_only=True),
            name="profiles_release_remove_profile",
        ),
        path(f"{release}/schedule/", view(schedule_view), name="profiles_release_schedule"),
        path(f"{release}/postpone/", view(postpone_view), name="profiles_release_postpone"),
        path(f"{release}/cancel/", view(cancel_view), name="profiles_release_cancel"),
    ]


def _release(model_admin, request, object_id, *, act: bool = False) -> Release:
    """The release, for a user who may change releases (and, with `act`, schedule them)."""
    allowed = (
        model_admin.has_act_permission(request)
        if act
        else model_admin.has_change_permission(request)
    )
    if not allowed:
        raise PermissionDenied
    release = (
        Release.objects.select_related("topic")
        .filter(pk=object_id if str(object_id).isdigit() else None)
        .first()
    )
    if release is None:
        raise Http404("No such release.")
    return release


def _back(release: Release):
    return redirect("admin:profiles_release_change", release.pk)


def _refused(model_admin, request, error: ValidationError, prefix: str = "") -> None:
    model_admin.message_user(request, f"{prefix}{' '.join(error.messages)}", messages.ERROR)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def assignments_view(model_admin, request, object_id):
    """Save every row's editor and fact-checker (or, with the bulk button, give the selected
    rows the chosen editor and fact-checker), all in one transaction: one refused row
    leaves every row as it was, and the message names its profile."""
    release = _release(model_admin, request, object_id)
    entries = list(
        ReleaseProfile.objects.filter(release=release).select_related(
            "profile__country", "profile__topic"
        )
    )
    editors = {user.pk: user for user in assignable(EDITORS)}
    checkers = {user.pk: user for user in assignable(FACT_CHECKERS)}
    try:
        changes = _assignment_changes(request.POST, entries, editors, checkers)
        with transaction.atomic():
            for entry, editor, checker in changes:
                try:
                    assignment_change(entry, editor=editor, fact_checker=checker, user=request.user)
                except ValidationError as error:
                    raise ValidationError(f"{entry.profile}: {' '.join(error.messages)}") from error
    except ValidationError as error:
        _refused(model_admin, request, error, "Nothing was saved. ")
        return _back(release)
    if changes:
        model_admin.message_user(
            request, f"Saved the assignments of {_count(len(changes), 'profile')}."
        )
    else:
        model_admin.message_user(request, "No assignment changed.", messages.WARNING)
    return _back(release)


def _assignment_changes(post, entries, editors, checkers):
    """Read the assignments form: [(entry, editor, fact-checker)] for each row that changes.
    Refuse (ValidationError naming the profile) a user not in the role's group."""
    bulk = "bulk" in post
    selected = set(post.getlist("selected"))
    if bulk and not selected:
        raise ValidationError("Select the profiles to assign first.")
    User = get_user_model()

    def chosen(raw, people, role, entry):
        if not raw:
            return None
        person = people.get(int(raw)) if raw.isdigit() else None
        if person is None:
            other = User.objects.filter(pk=raw).first() if raw.isdigit() else None
            who = other.get_username() if other else f"User #{raw}"
            raise ValidationError(
                f"{entry.profile}: {who} is not an active member of the {role} group."
            )
        return person

    changes = []
    for entry in entries:
        if bulk:
            if str(entry.pk) not in selected:
                continue
            editor_raw = post.get("bulk_editor") or str(entry.editor_id or "")
            checker_raw = post.get("bulk_fact_checker") or str(entry.fact_checker_id or "")
        else:
            editor_key, checker_key = f"editor-{entry.pk}", f"fact_checker-{entry.pk}"
            if editor_key not in post and checker_key not in post:
                continue  # added since the page was opened
            editor_raw, checker_raw = post.get(editor_key, ""), post.get(checker_key, "")
        editor = chosen(editor_raw, editors, EDITORS, entry)
        checker = chosen(checker_raw, checkers, FACT_CHECKERS, entry)
        if (getattr(editor, "pk", None), getattr(checker, "pk", None)) != (
            entry.editor_id,
            entry.fact_checker_id,
        ):
            changes.append((entry, editor, checker))
    return changes


def add_profiles_view(model_admin, request, object_id):
    """Add the chosen profiles, or every profile of the release's topic in no open release,
    with the editor and fact-checker chosen (if any)."""
    release = _release(model_admin, request, object_id)
    editors = {user.pk: user for user in assignable(EDITORS)}
    checkers = {user.pk: user for user in assignable(FACT_CHECKERS)}
    try:
        editor = _person(request.POST.get("editor"), editors, EDITORS)
        checker = _person(request.POST.get("fact_checker"), checkers, FACT_CHECKERS)
        if "all_of_topic" in request.POST:
            if release.topic is None:
                raise ValidationError(f"“{release}” has no topic: choose the profiles.")
            profiles = Profile.objects.filter(topic=release.topic).exclude(
                release_entries__in_open_release=True
            )
        else:
            ids = [value for value in request.POST.getlist("profiles") if value.isdigit()]
            if not ids:
                raise ValidationError("Choose the profiles to add.")
            profiles = Profile.objects.filter(pk__in=ids)
        added = release_add_profiles(
            release, profiles, editor=editor, fact_checker=checker, user=request.user
        )
    except ValidationError as error:
        _refused(model_admin, request, error, "Nothing was added. ")
        return _back(release)
    if added:
        model_admin.message_user(request, f"Added {_count(len(added), 'profile')}.")
    else:
        model_admin.message_user(request, "Every profile of the topic is in a release already.")
    return _back(release)


def _person(raw, people, role):
    if not raw:
        return None
    person = people.get(int(raw)) if raw.isdigit() else None
    if person is None:
        raise ValidationError(f"User #{raw} is not an active member of the {role} group.")
    return person


def remove_profile_view(model_admin, request, object_id):
    """Take one profile out of the release."""
    release = _release(model_admin, request, object_id)
    raw = request.POST.get("entry", "")
    entry = (
        ReleaseProfile.objects.select_related("release", "profile__country", "profile__topic")
        .filter(release=release, pk=raw if raw.isdigit() else None)
        .first()
    )
    if entry is None:
        model_admin.message_user(
            request, "That profile is not in this release (any more).", messages.WARNING
        )
        return _back(release)
    try:
        release_remove_profile(entry, user=request.user)
    except ValidationError as error:
        _refused(model_admin, request, error)
    else:
        model_admin.message_user(request, f"Took {entry.profile} out of “{release}”.")
    return _back(release)


def _act_page(model_admin, request, release, template, **context):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "release": release,
        **context,
    }
    return TemplateResponse(request, f"admin/profiles/release/{template}", context)


def schedule_view(model_admin, request, object_id):
    """Confirm, then schedule the release for its launch time."""
    release = _release(model_admin, request, object_id, act=True)
    if request.method == "POST":
        try:
            release_schedule(release, user=request.user)
        except ValidationError as error:
            _refused(model_admin, request, error, "Not scheduled: ")
        else:
            model_admin.message_user(request, f"Scheduled “{release}” for {release.launch_label}.")
        return _back(release)
    counts = ReleaseProfile.objects.filter(release=release).progress_counts()
    return _act_page(
        model_admin,
        request,
        release,
        "schedule_confirm.html",
        title=f"Schedule {release}",
        counts=[(label, counts[value]) for value, label in ReleaseProfile.Progress.choices],
        total=sum(counts[value] for value in ReleaseProfile.Progress.values),
    )


def postpone_view(model_admin, request, object_id):
    """Ask for the new launch date and time (in the release's time zone) and move it."""
    release = _release(model_admin, request, object_id, act=True)
    form = PostponeForm(request.POST if request.method == "POST" else None, release=release)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["launch_at"]:
        try:
            release = release_postpone(release, form.cleaned_data["launch_at"], user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            model_admin.message_user(request, f"Moved “{release}” to {release.launch_label}.")
            return _back(release)
    return _act_page(
        model_admin, request, release, "postpone.html", title=f"Postpone {release}", form=form
    )


def cancel_view(model_admin, request, object_id):
    """Confirm, then cancel the release: nothing of it is published."""
    release = _release(model_admin, request, object_id, act=True)
    if request.method == "POST":
        try:
            release_cancel(release, user=request.user)
        except ValidationError as error:
            _refused(model_admin, request, error, "Not cancelled: ")
        else:
            model_admin.message_user(request, f"Cancelled “{release}”.")
        return _back(release)
    count = ReleaseProfile.objects.filter(release=release).count()
    return _act_page(
        model_admin,
        request,
        release,
        "cancel_confirm.html",
        title=f"Cancel {release}",
        count=count,
    )
