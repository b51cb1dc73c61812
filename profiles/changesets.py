"""Change sets: every history record written in one request, import, publish or command
belongs to one ChangeSet (who, when, what action, why).

Code that writes opens a scope with `change_set(action=..., user=..., reason=...)`; the
middleware opens one for every request. Scopes nest: an inner scope joins the outer one (and
names its action, if nothing has been written yet). The ChangeSet row is created with the
first history record, so a scope that writes nothing leaves nothing behind. A record written
outside any scope (a shell session, a data fix) gets a change set of its own.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record


@dataclass
class _Scope:
    action: str
    user: object = None
    reason: str = ""
    change_set: object = None  # the ChangeSet row, once a record needed it


_current: ContextVar[_Scope | None] = ContextVar("monitor_change_set", default=None)


@contextmanager
def change_set(*, action: str, user=None, reason: str = ""):
    """Group every history record written inside into one change set."""
    scope = _current.get()
    if scope is not None:
        if scope.change_set is None:
            scope.action = action
            scope.user = user if user is not None else scope.user
            scope.reason = reason or scope.reason
        yield scope
        return
    scope = _Scope(action=action, user=user, reason=reason)
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def current_change_set(*, user=None, reason: str = ""):
    """Return the change set new history records belong to, creating it on first use."""
    from profiles.models import ChangeSet

    scope = _current.get()
    if scope is None:
        return ChangeSet.objects.create(action=ChangeSet.Action.OTHER, user=user, reason=reason)
    if scope.change_set is None:
        scope.change_set = ChangeSet.objects.create(
            action=scope.action,
            user=scope.user if scope.user is not None else user,
            reason=scope.reason or reason,
        )
    return scope.change_set


@receiver(pre_create_historical_record)
def _attach_change_set(sender, history_instance, **kwargs):
    if getattr(history_instance, "change_set_id", None) is None:
        history_instance.change_set = current_change_set(
            user=history_instance.history_user,
            reason=history_instance.history_change_reason or "",
        )


class ChangeSetMiddleware:
    """Open one change set for each request, named after what the request does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        user = user if user is not None and user.is_authenticated else None
        with change_set(action="edit", user=user):
            return self.get_response(request)


def bulk_create_versioned(objs, model, *, user=None, reason: str = ""):
    """Insert rows and their history records in bulk, in the current change set (bulk
    inserts send no history signal, so the change set is named here)."""
    from simple_history.utils import bulk_create_with_history

    if not objs:
        return []
    return bulk_create_with_history(
        objs,
        model,
        default_user=user,
        default_change_reason=reason,
        custom_historical_attrs={"change_set": current_change_set(user=user, reason=reason)},
    )
