"""Update alerts for readers: subscribe, confirm through the mailed link, unsubscribe
(the logic is in profiles/alerts.py).

Not public pages: each answers one reader, so none is kept by any cache (Cache-Control:
private, no-store) and search engines are asked not to index them. The subscribe and confirm
forms set the CSRF cookie; the report pages still set none. Links from mails only show a
button on GET, since mail scanners open links; the POST acts.
"""

import logging
import smtplib

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from profiles.alerts import (
    ADDRESS_WINDOW,
    CLIENT_WINDOW,
    CONFIRMATION_MAX_AGE,
    BadLink,
    SubscribeForm,
    address_may_be_mailed,
    client_may_try,
    subscription_confirm,
    subscription_end,
    subscription_request,
    subscription_to_confirm,
    subscription_to_end,
    unsubscribe_url,
)
from profiles.caching import reader_page

logger = logging.getLogger(__name__)


def _too_many(request, *, per_address: bool):
    window = ADDRESS_WINDOW if per_address else CLIENT_WINDOW
    response = render(
        request, "profiles/alerts/too_many.html", {"per_address": per_address}, status=429
    )
    response["Retry-After"] = str(window)
    return response


def _bad_link(request, problem: BadLink):
    return render(request, "profiles/alerts/bad_link.html", {"problem": problem}, status=400)


@reader_page
def subscribe(request):
    if request.method != "POST":
        form = SubscribeForm(initial={"scope": SubscribeForm.initial_scope(request.GET)})
        return render(request, "profiles/alerts/subscribe.html", {"form": form})
    if not client_may_try(request):
        return _too_many(request, per_address=False)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "profiles/alerts/subscribe.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    if not address_may_be_mailed(email):
        return _too_many(request, per_address=True)
    try:
        subscription = subscription_request(
            email=email, country=form.country, topic=form.topic, request=request
        )
    except (smtplib.SMTPException, OSError):
        logger.exception("Could not mail a confirmation link")
        return render(request, "profiles/alerts/mail_failed.html", {"form": form}, status=503)
    # The same page whether the address was new, waiting for confirmation or confirmed.
    return render(
        request,
        "profiles/alerts/check_mail.html",
        {"subscription": subscription, "max_age_days": CONFIRMATION_MAX_AGE.days},
    )


@reader_page
def confirm(request, token):
    try:
        subscription = subscription_to_confirm(token)
    except BadLink as problem:
        return _bad_link(request, problem)
    if request.method == "POST":
        subscription_confirm(subscription)
    elif subscription.confirmed_at is None:
        return render(request, "profiles/alerts/confirm.html", {"subscription": subscription})
    return render(
        request,
        "profiles/alerts/confirmed.html",
        {"subscription": subscription, "unsubscribe_url": unsubscribe_url(subscription, request)},
    )


# The link authenticates the request, and mail clients send RFC 8058's one-click POST
# ("List-Unsubscribe=One-Click") with no cookie or token: CSRF protection would only refuse it.
@csrf_exempt
@reader_page
def unsubscribe(request, token):
    try:
        subscription = subscription_to_end(token)
    except BadLink as problem:
        return _bad_link(request, problem)
    if request.method != "POST" and subscription is not None:
        return render(request, "profiles/alerts/unsubscribe.html", {"subscription": subscription})
    if subscription is not None:
        subscription_end(subscription)
    return render(request, "profiles/alerts/unsubscribed.html", {"subscription": subscription})
