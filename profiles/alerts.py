"""Update alerts: readers follow a country, a topic or every profile by email, and are mailed
once for each new edition (`manage.py send_alerts`, from cron or a systemd timer).

No account. A subscription is confirmed through a signed link that expires (double opt-in);
every alert carries a signed one-click unsubscribe link (RFC 8058). Both links name the
subscription by its id and are signed with a key salted by its address, so a link made for one
address never works for another, and neither link shows the address in the URL (web server
logs keep URLs).

Sending is at-least-once. Each batch of subscriptions is locked (SELECT … FOR UPDATE SKIP
LOCKED on PostgreSQL) while its alerts go out, and their AlertDelivery rows are written in the
same transaction, after the mails left. A second runner, on this server or another, skips the
locked subscriptions and, once they are released, sees what was recorded, so two runs at once
send nothing twice. Only a crash between sending and committing (within one batch) can repeat
an alert at the next run: a repeated alert costs a reader less than a lost one. A mail server
that fails part-way keeps the alerts sent before it recorded; the rest go out next run. (On
SQLite, which has no row locks, run send_alerts from one place only: the usual single server.)
"""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from history.changesets import change_set
from history.writer import HistoryWriter
from monitor import ratelimit
from monitor.site import absolute_url
from profiles.models import (
    AlertDelivery,
    ChangeSet,
    CorrectionRequest,
    Country,
    Publication,
    Subscription,
    Topic,
)

# A confirmation link works this long; an unconfirmed subscription is deleted after it.
CONFIRMATION_MAX_AGE = timedelta(days=3)
# Confirmation mails to one address, per day: a form cannot be used to flood someone's inbox.
CONFIRMATIONS_PER_ADDRESS = 3
ADDRESS_WINDOW = 24 * 3600
# Subscription attempts (the form sent, valid or not) from one client, per hour.
ATTEMPTS_PER_CLIENT = 10
CLIENT_WINDOW = 3600
# An edition not alerted within this time (the mail server down for a week) is no longer news
# (the feeds still have it); it also keeps each run's search to recent editions.
ALERT_LOOKBACK = timedelta(days=7)
# Subscriptions locked and mailed together in one transaction.
BATCH_SIZE = 50

CONFIRM_SALT = "profiles.alerts.confirm"
UNSUBSCRIBE_SALT = "profiles.alerts.unsubscribe"

EVERYTHING = "everything"
HEADERS = {"Auto-Submitted": "auto-generated"}  # RFC 3834: no vacation replies, please


class BadLink(Exception):
    """A confirmation or unsubscribe link that is not one we made, or no longer works."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


class AlertsNotSent(Exception):
    """The mail server failed; the message names it and says how far sending got."""


# Links ------------------------------------------------------------------------------------------


def _confirm_signer(email: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"{CONFIRM_SALT}:{email}")


def _unsubscribe_signer(email: str) -> signing.Signer:
    return signing.Signer(salt=f"{UNSUBSCRIBE_SALT}:{email}")


def confirmation_token(subscription: Subscription) -> str:
    """A link token that confirms `subscription`, valid for CONFIRMATION_MAX_AGE."""
    return _confirm_signer(subscription.email).sign(str(subscription.pk))


def unsubscribe_token(subscription: Subscription) -> str:
    """A link token that ends `subscription`; it does not expire."""
    return _unsubscribe_signer(subscription.email).sign(str(subscription.pk))


def confirmation_url(subscription: Subscription, request=None) -> str:
    path = reverse("profiles:alerts_confirm", args=[confirmation_token(subscription)])
    return absolute_url(path, request)


def unsubscribe_url(subscription: Subscription, request=None) -> str:
    path = reverse("profiles:alerts_unsubscribe", args=[unsubscribe_token(subscription)])
    return absolute_url(path, request)


def _named_subscription(token: str) -> Subscription | None:
    pk, _, _ = token.partition(":")
    if not pk.isdigit() or len(pk) > 18:
        raise BadLink("This link is not one of ours: it may have been cut short.")
    return Subscription.objects.select_related("country", "topic").filter(pk=int(pk)).first()


def subscription_to_confirm(token: str) -> Subscription:
    """The subscription a confirmation link names, or BadLink (expired=True when it is too
    old, or when its unconfirmed subscription has been deleted since). An old link to a
    subscription that is confirmed already still names it."""
    subscription = _named_subscription(token)
    if subscription is None:
        raise BadLink("This confirmation link no longer works.", expired=True)
    try:
        _confirm_signer(subscription.email).unsign(
            token, max_age=CONFIRMATION_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        if subscription.confirmed_at is None:
            raise BadLink("This confirmation link has expired.", expired=True) from None
        # Our link, old, to a subscription confirmed long ago: there is nothing to refuse.
    except signing.BadSignature:
        raise BadLink("This confirmation link is not one of ours.") from None
    return subscription


def subscription_to_end(token: str) -> Subscription | None:
    """The subscription an unsubscribe link names; None when it has ended already. BadLink
    when the link was not made by us."""
    subscription = _named_subscription(token)
    if subscription is None:
        return None
    try:
        _unsubscribe_signer(subscription.email).unsign(token)
    except signing.BadSignature:
        raise BadLink("This unsubscribe link is not one of ours.") from None
    return subscription


# Subscribing ------------------------------------------------------------------------------------


class SubscribeForm(forms.Form):
    """An address and what to follow: every profile, a country's or a topic's. Only countries
    the public directory lists and topics with a public profile are offered or accepted."""

    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    scope = forms.ChoiceField(label="What to follow")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.countries = {c.slug: c for c in Country.objects.listed().order_by("name")}
        self.topics = {t.slug: t for t in Topic.objects.with_public_profiles().order_by("name")}
        self.fields["scope"].choices = [
            (EVERYTHING, "Every profile"),
            ("Topics", [(f"topic:{slug}", t.name) for slug, t in self.topics.items()]),
            ("Countries", [(f"country:{slug}", c.name) for slug, c in self.countries.items()]),
        ]
        self.fields["scope"].error_messages["invalid_choice"] = (
            "Choose what to follow from the list: every profile, a topic or a country."
        )

    @staticmethod
    def initial_scope(params) -> str:
        """The scope ?country=<slug> or ?topic=<slug> names (checked against the choices when
        the form is shown: an unknown one selects nothing)."""
        if params.get("country"):
            return f"country:{params['country']}"
        if params.get("topic"):
            return f"topic:{params['topic']}"
        return EVERYTHING

    def full_clean(self):
        super().full_clean()
        for name in self.errors:  # the field's error, above it, read with it
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}-error"

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    @property
    def country(self) -> Country | None:
        kind, _, slug = self.cleaned_data["scope"].partition(":")
        return self.countries[slug] if kind == "country" else None

    @property
    def topic(self) -> Topic | None:
        kind, _, slug = self.cleaned_data["scope"].partition(":")
        return self.topics[slug] if kind == "topic" else None


def client_may_try(request) -> bool:
    """Count one subscription attempt from the request's client; False when over the limit."""
    return ratelimit.hit_client(
        request, "alerts-subscribe", limit=ATTEMPTS_PER_CLIENT, window=CLIENT_WINDOW
    )


def address_may_be_mailed(email: str) -> bool:
    """Count one confirmation mail to `email`; False when over the limit."""
    return ratelimit.hit(
        "alerts-confirmation", email, limit=CONFIRMATIONS_PER_ADDRESS, window=ADDRESS_WINDOW
    )


def subscription_request(
    *, email: str, country: Country | None, topic: Topic | None, request=None
) -> Subscription:
    """Subscribe `email` to a scope, unconfirmed, and mail it the confirmation link; or, when
    that subscription exists already, mail it again (the link, or word that it is confirmed).

    The caller answers the same either way, so that the form tells no one whether an address
    follows anything. SMTP errors propagate (smtplib.SMTPException, OSError)."""
    subscription, _ = Subscription.objects.get_or_create(email=email, country=country, topic=topic)
    context = {
        "subscription": subscription,
        "scope": _scope_label(country, topic),
        "confirm_url": confirmation_url(subscription, request),
        "unsubscribe_url": unsubscribe_url(subscription, request),
        "max_age_days": CONFIRMATION_MAX_AGE.days,
    }
    if subscription.confirmed_at:
        subject = f"You already follow {context['scope']} on Monitor"
        body = render_to_string("profiles/alerts/mail/already_following.txt", context)
    else:
        subject = f"Confirm your Monitor alerts for {context['scope']}"
        body = render_to_string("profiles/alerts/mail/confirm.txt", context)
    EmailMessage(subject, body, to=[email], headers=HEADERS).send()
    if not subscription.confirmed_at:
        subscription.confirmation_sent_at = timezone.now()
        subscription.save(update_fields=["confirmation_sent_at"])
    return subscription


def subscription_confirm(subscription: Subscription) -> bool:
    """Confirm `subscription`; False when it was confirmed already (its date stays)."""
    confirmed = Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )
    subscription.refresh_from_db(fields=["confirmed_at"])
    return bool(confirmed)


def subscription_end(subscription: Subscription) -> None:
    """Delete `subscription` and the record of what it was sent: nothing of it stays."""
    Subscription.objects.filter(pk=subscription.pk).delete()


def _scope_label(country: Country | None, topic: Topic | None) -> str:
    if country is not None:
        return country.name
    if topic is not None:
        return topic.name
    return "every profile"


# Sending ----------------------------------------------------------------------------------------


@dataclass
class AlertRun:
    """What one send_alerts() did."""

    sent: int = 0
    addresses: set[str] = field(default_factory=set)
    refused: int = 0  # addresses the mail server refused: recorded, not retried
    unconfirmed_deleted: int = 0

    def summary(self) -> str:
        count = len(self.addresses)
        parts = [
            f"Sent {self.sent} alert{'s' * (self.sent != 1)} to {count} "
            f"address{'es' * (count != 1)}."
        ]
        if self.refused:
            parts.append(f"The mail server refused {self.refused} (not retried).")
        if self.unconfirmed_deleted:
            parts.append(
                f"Deleted {self.unconfirmed_deleted} unconfirmed subscription"
                f"{'s' * (self.unconfirmed_deleted != 1)} older than "
                f"{CONFIRMATION_MAX_AGE.days} days."
            )
        return " ".join(parts)


def unconfirmed_delete(*, now=None) -> int:
    """Delete subscriptions whose confirmation link has expired unused."""
    cutoff = (now or timezone.now()) - CONFIRMATION_MAX_AGE
    deleted, _ = (
        Subscription.objects.filter(confirmed_at__isnull=True)
        .filter(
            Q(confirmation_sent_at__lt=cutoff)
            | Q(confirmation_sent_at__isnull=True, created_at__lt=cutoff)
        )
        .delete()
    )
    return deleted


def pending_editions(*, now=None) -> list[Publication]:
    """Public editions of the last ALERT_LOOKBACK that a confirmed subscription follows, was
    confirmed before, and has not been sent: one query, oldest first."""
    now = now or timezone.now()
    edition = OuterRef(OuterRef("pk"))
    unsent_follower = Subscription.objects.confirmed().filter(
        Q(country__isnull=True, topic__isnull=True)
        | Q(country_id=OuterRef("profile__country_id"))
        | Q(topic_id=OuterRef("profile__topic_id")),
        ~Exists(AlertDelivery.objects.filter(subscription=OuterRef("pk"), publication=edition)),
        confirmed_at__lt=OuterRef("published_at"),
    )
    return list(
        Publication.objects.public()
        .filter(published_at__gte=now - ALERT_LOOKBACK, published_at__lte=now)
        .filter(Exists(unsent_follower))
        .select_related("profile__country", "profile__topic")
        .defer("snapshot")
        .order_by("published_at", "pk")
    )


def _follows(subscription: Subscription, edition: Publication) -> bool:
    profile = edition.profile
    if subscription.country_id:
        return subscription.country_id == profile.country_id
    if subscription.topic_id:
        return subscription.topic_id == profile.topic_id
    return True


def _locked_followers(editions: list[Publication], after: int) -> list[Subscription]:
    """The next batch of confirmed subscriptions following any of `editions`, by id, each
    locked until the transaction ends; those another runner holds are skipped."""
    countries = {edition.profile.country_id for edition in editions}
    topics = {edition.profile.topic_id for edition in editions}
    return list(
        Subscription.objects.confirmed()
        .filter(
            Q(country__isnull=True, topic__isnull=True)
            | Q(country_id__in=countries)
            | Q(topic_id__in=topics),
            pk__gt=after,
            confirmed_at__lt=max(edition.published_at for edition in editions),
        )
        .select_related("country", "topic")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("pk")[:BATCH_SIZE]
    )


def alert_message(subscription: Subscription, edition: Publication, connection=None):
    """The mail telling `subscription` of `edition`, with its one-click unsubscribe headers."""
    profile = edition.profile
    comparison = None
    if edition.number > 1:
        comparison = absolute_url(
            reverse(
                "profiles:edition_compare",
                args=[profile.country.slug, profile.topic.slug, edition.number - 1, edition.number],
            )
        )
    leave = unsubscribe_url(subscription)
    context = {
        "subscription": subscription,
        "edition": edition,
        "profile": profile,
        "edition_url": absolute_url(edition.get_absolute_url()),
        "comparison_url": comparison,
        "unsubscribe_url": leave,
        "subscribe_url": absolute_url(reverse("profiles:alerts_subscribe")),
    }
    return EmailMessage(
        subject=f"New edition: {profile.country.name} — {profile.topic.name}",
        body=render_to_string("profiles/alerts/mail/alert.txt", context),
        to=[subscription.email],
        connection=connection,
        headers={
            **HEADERS,
            "List-Unsubscribe": f"<{leave}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def send_alerts(*, now=None) -> AlertRun:
    """Mail every confirmed subscription once about each public edition it follows that was
    published after it was confirmed, through one connection to the mail server; delete the
    unconfirmed subscriptions whose link expired. Safe to run twice, or on two servers at once
    (see the module's docstring). AlertsNotSent when the mail server fails: what was sent
    before is recorded, the rest is sent next run."""
    now = now or timezone.now()
    run = AlertRun(unconfirmed_deleted=unconfirmed_delete(now=now))
    editions = pending_editions(now=now)
    if not editions:
        return run
    connection = get_connection()
    try:
        connection.open()
        after = 0
        while batch := _send_batch(connection, editions, after, run):
            after = batch
    except (smtplib.SMTPException, OSError) as error:
        raise AlertsNotSent(_failure(error, run)) from error
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()  # fails only when the server is gone already
    return run


def _send_batch(connection, editions, after: int, run: AlertRun) -> int:
    """Send one batch's alerts and record them; return the batch's last subscription id, or 0
    when it was the last batch. Re-raises a mail server failure once what was sent before it
    is recorded."""
    with transaction.atomic():
        followers = _locked_followers(editions, after)
        if not followers:
            return 0
        sent_before = set(
            AlertDelivery.objects.filter(
                subscription__in=followers, publication__in=editions
            ).values_list("subscription_id", "publication_id")
        )
        delivered, failure = [], None
        for subscription in followers:
            for edition in editions:
                if (
                    not _follows(subscription, edition)
                    or subscription.confirmed_at >= edition.published_at
                    or (subscription.pk, edition.pk) in sent_before
                ):
                    continue
                try:
                    connection.send_messages([alert_message(subscription, edition)])
                except smtplib.SMTPRecipientsRefused:
                    run.refused += 1  # a bad address must not hold back everyone after it
                except (smtplib.SMTPException, OSError) as error:
                    failure = error
                    break
                else:
                    run.sent += 1
                    run.addresses.add(subscription.email)
                delivered.append(AlertDelivery(subscription=subscription, publication=edition))
            if failure:
                break
        AlertDelivery.objects.bulk_create(delivered, ignore_conflicts=True)
    if failure:
        raise failure
    if len(followers) < BATCH_SIZE:
        return 0  # no other subscription was free to lock: no need to ask again
    return followers[-1].pk


def _failure(error: Exception, run: AlertRun) -> str:
    if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        server = f"the mail server {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    else:
        server = f"the mail backend {settings.EMAIL_BACKEND}"
    problem = str(error) or type(error).__name__
    return (
        f"Could not send alerts through {server}: {problem}. {run.sent} alert"
        f"{'s' * (run.sent != 1)} sent before it; the others will be sent at the next run."
    )


# Forgetting an address --------------------------------------------------------------------------


@dataclass
class Forgotten:
    subscriptions: int
    deliveries: int
    correction_requests: int
    correction_history_records: int


def email_forget(*, email: str) -> Forgotten:
    """Delete every subscription of `email` (and the record of alerts sent to it), and blank
    it in the correction requests and in their history records."""
    email = email.strip().lower()
    with (
        transaction.atomic(),
        change_set(action=ChangeSet.Action.OTHER, reason="Forgot a reader's address on request"),
    ):
        subscriptions = Subscription.objects.filter(email__iexact=email)
        deliveries = AlertDelivery.objects.filter(subscription__in=subscriptions).count()
        subscription_count = subscriptions.count()
        subscriptions.delete()
        writer = HistoryWriter(reason="Forgot the reader's address on request")
        requests = list(CorrectionRequest.objects.filter(email__iexact=email))
        for correction in requests:
            correction.email = ""
            writer.save(correction, update_fields=["email"])
        # History records are the past as it was, never rewritten, except for this: a reader's
        # right to be forgotten outweighs an exact record of an address they gave.
        # history-safe: it rewrites the history records themselves, to erase an address.
        records = CorrectionRequest.history.filter(email__iexact=email).update(email="")
    return Forgotten(subscription_count, deliveries, len(requests), records)
