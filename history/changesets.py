"""Change sets: every history record written in one request, import, publish or command
belongs to one ChangeSet (who, when, what action, why).

Code that writes opens a scope with `change_set(action=..., user=..., reason=...)`; the
middleware opens one for every request. Scopes nest: an inner scope joins the outer one (and
names its action, if nothing has been written yet). The ChangeSet row is created with the
first history record, so a scope that writes nothing leaves nothing behind. A record written
outside any scope (a shell session, a data fix) gets a change set of its own.

When a change set is complete, `change_set_closed` is sent with its id, so that an app can
index what it wrote (the profiles app notes which profiles it wrote records within, so that a
profile's timeline reads an index rather than searching every history table).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.apps import apps
from django.db import connection
from django.dispatch import Signal, receiver
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from history.models import CHANGE_SET_MODEL

# Sent with `change_set_id` once a change set has all its records.
change_set_closed = Signal()


@dataclass
class _Scope:
    action: str
    user: object = None
    reason: str = ""
    change_set: object = None  # the ChangeSet row, once a record needed it


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

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
        # In a transaction that is failing, this change set is being rolled back with it.
        if scope.change_set is not None and not connection.needs_rollback:
            _close(scope.change_set.pk)


def current_change_set(*, user=None, reason: str = ""):
    """Return the change set new history records belong to, creating it on first use."""
    ChangeSet = apps.get_model(CHANGE_SET_MODEL)
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


def open_change_set_id() -> int | None:
    """Return the id of the change set being written in the current scope, or None when
    nothing has been written in it yet (or there is no scope)."""
    scope = _current.get()
    return scope.change_set.pk if scope is not None and scope.change_set is not None else None


@receiver(pre_create_historical_record)
def _attach_change_set(sender, history_instance, **kwargs):
    if getattr(history_instance, "change_set_id", None) is None:
        history_instance._outside_scope = _current.get() is None
        history_instance.change_set = current_change_set(
            user=history_instance.history_user,
            reason=history_instance.history_change_reason or "",
        )


@receiver(post_create_historical_record)
def _link_lone_change_set(sender, history_instance, **kwargs):
    if getattr(history_instance, "_outside_scope", False):
        _close(history_instance.change_set_id)


class ChangeSetMiddleware:
    """Open one change set for each request, named after what the request does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in SAFE_METHODS:
            # Reading writes no history (and must not have to look up the user to say so).
            return self.get_response(request)
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
    outside_scope = _current.get() is None
    change_set = current_change_set(user=user, reason=reason)
    created = bulk_create_with_history(
        objs,
        model,
        default_user=user,
        default_change_reason=reason,
        custom_historical_attrs={"change_set": change_set},
    )
    if outside_scope:
        _close(change_set.pk)
    return created


def _close(change_set_id: int) -> None:
    change_set_closed.send(sender=apps.get_model(CHANGE_SET_MODEL), change_set_id=change_set_id)
