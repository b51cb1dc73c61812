"""Update alerts (profiles/alerts.py, profiles/views/alerts.py): subscribing with double
opt-in, the signed links, rate limits, `manage.py send_alerts` (once per edition per
subscriber, through a real SMTP server too), `manage.py forget_email` and the archive."""

import gzip
import threading
import time
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from profiles import alerts
from profiles.alerts import (
    CONFIRMATION_MAX_AGE,
    AlertsNotSent,
    confirmation_token,
    send_alerts,
    unsubscribe_token,
)
from profiles.models import (
    AlertDelivery,
    Claim,
    CorrectionRequest,
    Country,
    Profile,
    Subscription,
    Topic,
)
from profiles.publishing import profile_publish, profile_withdraw
from tests.conftest import EASTMARCH, MALI, WESTMARCH
from tests.factories import import_profile_file, make_country
from tests.mail import (  # noqa: F401  (smtp_server_fixture: the fixture "smtp_server")
    free_port,
    links_in,
    point_django_at,
    smtp_server_fixture,
    text_of,
)

SUBSCRIBE = "/alerts/"
READER = "reader@example.org"
NOTE = "Updated for the 2026 Meeting of States Parties."


def follower(email=READER, *, country=None, topic=None, confirmed=True) -> Subscription:
    """A subscription, confirmed now unless told otherwise."""
    return Subscription.objects.create(
        email=email,
        country=country,
        topic=topic,
        confirmed_at=timezone.now() if confirmed else None,
    )


def new_edition(profile: Profile, note: str = NOTE):
    """Amend a claim and publish the profile again; return the new edition."""
    claim = Claim.objects.filter(section__profile=profile).order_by("pk").first()
    claim.text += " Amended."
    claim.save()
    return profile_publish(profile=profile, note=note).publication


def subscribe(client, email=READER, scope="everything", **extra):
    return client.post(SUBSCRIBE, {"email": email, "scope": scope}, **extra)


def confirm_link(message) -> str:
    """The path of the confirmation link in a mail from the outbox."""
    (link,) = [url for url in message.body.split() if "/alerts/confirm/" in url]
    return urlsplit(link).path


def sent(run_twice=False) -> list:
    """Run send_alerts (twice if asked) and return the alert mails of the outbox."""
    send_alerts()
    if run_twice:
        send_alerts()
    return [message for message in mail.outbox if message.subject.startswith("New edition")]


# The subscribe page ------------------------------------------------------------------------------


@pytest.mark.django_db
class SubscribePageTests:
    def test_offers_listed_countries_and_public_topics_only(self, published_mali):
        import_profile_file(EASTMARCH)  # a draft: its topic is named nowhere public

        response = Client().get(SUBSCRIBE)

        assert response.status_code == 200
        page = response.content.decode()
        assert '<option value="country:mali">Mali</option>' in page
        assert '<option value="topic:cluster-munition-ban-policy">' in page
        assert "mine-ban-policy" not in page and "Eastmarch" not in page

    def test_a_topic_whose_only_profile_is_withdrawn_is_not_offered(self, published_mali):
        profile_withdraw(profile=published_mali)

        page = Client().get(SUBSCRIBE, {"topic": "cluster-munition-ban-policy"}).content

        assert b"cluster-munition-ban-policy" not in page
        assert subscribe(Client(), scope="topic:cluster-munition-ban-policy").status_code == 400

    def test_is_private_and_not_indexed(self, published_mali):
        response = Client().get(SUBSCRIBE)

        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert b'<meta name="robots" content="noindex">' in response.content
        assert "csrftoken" in response.cookies  # the form's; report pages set none

    def test_preselects_the_country_or_topic_the_link_names(self, published_mali):
        by_country = Client().get(SUBSCRIBE, {"country": "mali"}).content.decode()
        by_topic = Client().get(SUBSCRIBE, {"topic": "cluster-munition-ban-policy"}).content

        assert '<option value="country:mali" selected>Mali</option>' in by_country
        assert b'value="topic:cluster-munition-ban-policy" selected' in by_topic

    def test_an_unknown_country_in_the_link_preselects_nothing(self, published_mali):
        page = Client().get(SUBSCRIBE, {"country": "atlantis"}).content

        assert b"selected" not in page

    def test_reads_a_fixed_number_of_queries(self, published_mali, django_assert_num_queries):
        with django_assert_num_queries(2):  # the countries and the topics offered
            Client().get(SUBSCRIBE)
        import_profile_file(WESTMARCH, publish=True)
        with django_assert_num_queries(2):
            Client().get(SUBSCRIBE)


@pytest.mark.django_db
class SubscribingTests:
    def test_mails_a_confirmation_link_and_subscribes_unconfirmed(self, published_mali):
        response = subscribe(Client(), " Reader@Example.ORG ", "country:mali")

        assert response.status_code == 200
        assert b"Check your mail" in response.content
        subscription = Subscription.objects.get()
        assert subscription.email == READER  # lower case
        assert subscription.country.slug == "mali" and subscription.topic is None
        assert subscription.confirmed_at is None and subscription.confirmation_sent_at
        (message,) = mail.outbox
        assert message.to == [READER]
        assert message.subject == "Confirm your Monitor alerts for Mali"
        assert f"/alerts/confirm/{confirmation_token(subscription)}/" in message.body

    def test_the_link_does_not_show_the_address(self, published_mali):
        subscribe(Client())

        assert "reader" not in confirm_link(mail.outbox[0])

    def test_follows_a_topic_or_everything(self, published_mali):
        subscribe(Client(), scope="topic:cluster-munition-ban-policy")
        subscribe(Client(), scope="everything")

        scopes = {(s.country_id, s.topic and s.topic.slug) for s in Subscription.objects.all()}
        assert scopes == {(None, "cluster-munition-ban-policy"), (None, None)}

    def test_refuses_a_bad_address_naming_the_problem(self, published_mali):
        response = subscribe(Client(), "not-an-address")

        assert response.status_code == 400
        assert b"Enter a valid email address." in response.content
        assert b'aria-describedby="id_email-error"' in response.content
        assert not Subscription.objects.exists() and not mail.outbox

    def test_refuses_a_country_that_is_not_listed_or_a_topic_without_public_profile(
        self, published_mali
    ):
        import_profile_file(EASTMARCH)  # a draft in a topic of its own, of a new country

        for scope in ["country:eastmarch", "topic:mine-ban-policy", "country:atlantis"]:
            response = subscribe(Client(), scope=scope)

            assert response.status_code == 400, scope
            assert b"Choose what to follow from the list" in response.content
        assert not Subscription.objects.exists()

    def test_answers_the_same_whether_or_not_the_address_follows_already(self, published_mali):
        first = subscribe(Client(), scope="country:mali")
        Subscription.objects.update(confirmed_at=timezone.now())

        again = subscribe(Client(), scope="country:mali")

        assert again.status_code == first.status_code == 200
        assert again.content == first.content
        assert Subscription.objects.count() == 1
        assert mail.outbox[1].subject == "You already follow Mali on Monitor"
        assert "/alerts/unsubscribe/" in mail.outbox[1].body

    def test_subscribing_again_unconfirmed_sends_the_link_again(self, published_mali):
        subscribe(Client(), scope="country:mali")
        subscribe(Client(), scope="country:mali")

        assert [m.subject for m in mail.outbox] == ["Confirm your Monitor alerts for Mali"] * 2
        assert Subscription.objects.count() == 1

    def test_a_mail_server_failure_says_so(self, published_mali, settings):
        point_django_at(settings, free_port())  # nothing listens there

        response = subscribe(Client())

        assert response.status_code == 503
        assert b"could not send the message" in response.content
        assert Subscription.objects.get().confirmation_sent_at is None


@pytest.mark.django_db
class RateLimitTests:
    def test_three_confirmation_mails_a_day_to_one_address(self, published_mali):
        answers = [
            subscribe(Client(REMOTE_ADDR=f"10.0.0.{n}"), scope="country:mali").status_code
            for n in range(4)
        ]

        assert answers == [200, 200, 200, 429]
        assert len(mail.outbox) == 3

    def test_over_the_address_limit_is_a_clear_429(self, published_mali):
        for _ in range(3):
            subscribe(Client())

        response = subscribe(Client())

        assert response.status_code == 429
        assert response["Retry-After"] == str(24 * 3600)
        assert b"already sent several confirmation messages to this address" in response.content

    def test_ten_attempts_an_hour_from_one_client(self, published_mali):
        client = Client(REMOTE_ADDR="10.0.0.7")
        answers = [subscribe(client, f"reader{n}@example.org").status_code for n in range(11)]

        assert answers == [200] * 10 + [429]
        assert len(mail.outbox) == 10
        assert b"too many times from your connection" in subscribe(client).content

    def test_invalid_attempts_count_too(self, published_mali):
        client = Client(REMOTE_ADDR="10.0.0.8")
        for _ in range(10):
            subscribe(client, "not-an-address")

        assert subscribe(client).status_code == 429
        assert subscribe(Client(REMOTE_ADDR="10.0.0.9")).status_code == 200


# The links in the mails --------------------------------------------------------------------------


@pytest.mark.django_db
class ConfirmTests:
    def test_get_shows_a_button_and_changes_nothing(self, published_mali):
        subscription = follower(country=published_mali.country, confirmed=False)
        path = f"/alerts/confirm/{confirmation_token(subscription)}/"

        response = Client().get(path)

        assert response.status_code == 200
        assert (
            b"Confirm my alerts" in response.content and b"csrfmiddlewaretoken" in response.content
        )
        assert "no-store" in response["Cache-Control"]
        subscription.refresh_from_db()
        assert subscription.confirmed_at is None

    def test_post_confirms(self, published_mali):
        subscription = follower(country=published_mali.country, confirmed=False)

        response = Client().post(f"/alerts/confirm/{confirmation_token(subscription)}/")

        assert response.status_code == 200
        assert b"You are following Mali" in response.content
        subscription.refresh_from_db()
        assert subscription.confirmed_at is not None

    def test_confirming_twice_keeps_the_first_date(self, published_mali):
        subscription = follower(country=published_mali.country, confirmed=True)
        confirmed_at = subscription.confirmed_at

        Client().post(f"/alerts/confirm/{confirmation_token(subscription)}/")

        subscription.refresh_from_db()
        assert subscription.confirmed_at == confirmed_at

    def test_the_post_needs_the_csrf_token(self, published_mali):
        subscription = follower(confirmed=False)

        response = Client(enforce_csrf_checks=True).post(
            f"/alerts/confirm/{confirmation_token(subscription)}/"
        )

        assert response.status_code == 403

    def test_an_expired_link_is_a_clear_400_with_a_way_back(self, published_mali, monkeypatch):
        subscription = follower(confirmed=False)
        days_ago = time.time() - CONFIRMATION_MAX_AGE.total_seconds() - 60
        with monkeypatch.context() as patched:
            patched.setattr(signing.time, "time", lambda: days_ago)
            token = confirmation_token(subscription)

        response = Client().post(f"/alerts/confirm/{token}/")

        assert response.status_code == 400
        assert b"This link has expired" in response.content
        assert b'href="/alerts/"' in response.content
        subscription.refresh_from_db()
        assert subscription.confirmed_at is None

    def test_a_forged_link_is_refused(self, published_mali):
        subscription = follower(confirmed=False)
        token = confirmation_token(subscription)
        forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

        response = Client().post(f"/alerts/confirm/{forged}/")

        assert response.status_code == 400
        assert b"This link does not work" in response.content
        subscription.refresh_from_db()
        assert subscription.confirmed_at is None

    def test_a_link_made_for_one_address_does_not_confirm_another(self, published_mali):
        mine = follower("mine@example.org", confirmed=False)
        theirs = follower("theirs@example.org", confirmed=False)
        token = confirmation_token(mine)
        other = f"{theirs.pk}{token[len(str(mine.pk)) :]}"  # the same signature, their id

        assert Client().post(f"/alerts/confirm/{other}/").status_code == 400
        theirs.refresh_from_db()
        assert theirs.confirmed_at is None

    def test_an_unsubscribe_link_does_not_confirm(self, published_mali):
        subscription = follower(confirmed=False)

        response = Client().post(f"/alerts/confirm/{unsubscribe_token(subscription)}/")

        assert response.status_code == 400

    def test_a_mangled_link_is_refused(self, published_mali):
        for token in ["nonsense", "12", ":", "9" * 40 + ":x"]:
            assert Client().get(f"/alerts/confirm/{token}/").status_code == 400, token


@pytest.mark.django_db
class UnsubscribeTests:
    def test_get_shows_a_button_and_changes_nothing(self, published_mali):
        subscription = follower(country=published_mali.country)

        response = Client().get(f"/alerts/unsubscribe/{unsubscribe_token(subscription)}/")

        assert response.status_code == 200
        assert b">Unsubscribe</button>" in response.content
        assert b"csrfmiddlewaretoken" not in response.content
        assert "csrftoken" not in response.cookies
        assert Subscription.objects.filter(pk=subscription.pk).exists()

    def test_post_deletes_the_subscription_and_its_deliveries(self, published_mali):
        subscription = follower(country=published_mali.country)
        AlertDelivery.objects.create(
            subscription=subscription, publication=published_mali.latest_publication
        )

        response = Client().post(f"/alerts/unsubscribe/{unsubscribe_token(subscription)}/")

        assert response.status_code == 200
        assert b"You are unsubscribed" in response.content
        assert b'href="/alerts/?country=mali"' in response.content
        assert not Subscription.objects.exists() and not AlertDelivery.objects.exists()

    def test_one_click_post_from_a_mail_client_needs_no_csrf_token(self, published_mali):
        subscription = follower()

        response = Client(enforce_csrf_checks=True).post(
            f"/alerts/unsubscribe/{unsubscribe_token(subscription)}/",
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )

        assert response.status_code == 200
        assert not Subscription.objects.exists()

    def test_a_second_post_says_it_has_ended_already(self, published_mali):
        subscription = follower()
        path = f"/alerts/unsubscribe/{unsubscribe_token(subscription)}/"
        Client().post(path)

        again = Client().post(path)
        shown = Client().get(path)

        assert again.status_code == shown.status_code == 200
        assert b"has ended already" in again.content and b"has ended already" in shown.content

    def test_a_forged_or_borrowed_link_deletes_nothing(self, published_mali):
        mine = follower("mine@example.org")
        theirs = follower("theirs@example.org")
        token = unsubscribe_token(mine)
        borrowed = f"{theirs.pk}{token[len(str(mine.pk)) :]}"

        for bad in [borrowed, token[:-2] + "xx", confirmation_token(theirs)]:
            assert Client().post(f"/alerts/unsubscribe/{bad}/").status_code == 400, bad
        assert Subscription.objects.count() == 2


# Sending -----------------------------------------------------------------------------------------


@pytest.mark.django_db
class SendAlertsTests:
    def test_sends_each_new_edition_once_with_its_note_and_links(self, published_mali, settings):
        settings.SITE_URL = "https://monitor.example.org"
        subscription = follower(country=published_mali.country)
        edition = new_edition(published_mali)

        (message,) = sent(run_twice=True)

        assert message.to == [READER]
        assert message.subject == "New edition: Mali — Cluster Munition Ban Policy"
        report = "https://monitor.example.org/countries/mali/cluster-munition-ban-policy"
        assert f"What changed: {NOTE}" in message.body
        assert f"{report}/editions/2/\n" in message.body
        assert f"{report}/editions/1/compare/2/\n" in message.body
        unsubscribe = (
            f"https://monitor.example.org/alerts/unsubscribe/{unsubscribe_token(subscription)}/"
        )
        assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert AlertDelivery.objects.get().publication == edition

    def test_an_edition_1_has_no_comparison(self, mali, settings):
        follower(country=mali.country)
        profile_publish(profile=mali)

        (message,) = sent()

        assert "/compare/" not in message.body and "editions/1/" in message.body

    def test_each_scope_gets_what_it_follows(self, published_mali):
        import_profile_file(WESTMARCH, publish=True)
        import_profile_file(EASTMARCH, publish=True)
        follower("mali@example.org", country=published_mali.country)
        follower("westmarch@example.org", country=Country.objects.get(slug="westmarch"))
        follower("cluster@example.org", topic=published_mali.topic)
        follower("mines@example.org", topic=Topic.objects.get(slug="mine-ban-policy"))
        follower("everything@example.org")

        new_edition(published_mali)
        alerted = sorted(message.to[0] for message in sent())

        assert alerted == ["cluster@example.org", "everything@example.org", "mali@example.org"]

    def test_nothing_published_before_the_confirmation(self, published_mali):
        follower()  # confirmed after edition 1

        assert sent() == []

    def test_nothing_before_confirmation(self, published_mali):
        follower(confirmed=False)
        new_edition(published_mali)

        assert sent() == []

    def test_a_confirmed_subscription_then_gets_the_next_edition(self, published_mali):
        subscription = follower(confirmed=False)
        new_edition(published_mali)
        alerts.subscription_confirm(subscription)
        third = new_edition(published_mali, note="Third.")

        (message,) = sent()

        assert "edition 3" in message.body and AlertDelivery.objects.get().publication == third

    def test_nothing_for_a_withdrawn_profile(self, published_mali):
        follower()
        new_edition(published_mali)
        profile_withdraw(profile=published_mali)

        assert sent() == []

    def test_nothing_for_a_draft(self, published_mali):
        follower()
        claim = Claim.objects.filter(section__profile=published_mali).first()
        claim.text += " Not yet published."
        claim.save()

        assert sent() == []

    def test_several_editions_each_get_a_mail(self, published_mali):
        follower()
        new_edition(published_mali, note="Second.")
        new_edition(published_mali, note="Third.")

        messages = sent(run_twice=True)

        assert len(messages) == 2
        assert "edition 2," in messages[0].body and "Second." in messages[0].body
        assert "edition 3," in messages[1].body and "Third." in messages[1].body

    def test_deletes_unconfirmed_subscriptions_whose_link_expired(self, published_mali):
        old = timezone.now() - CONFIRMATION_MAX_AGE - timezone.timedelta(minutes=1)
        Subscription.objects.create(email="old@example.org", created_at=old)
        Subscription.objects.create(email="resent@example.org", created_at=old)
        Subscription.objects.filter(email="resent@example.org").update(
            confirmation_sent_at=timezone.now()
        )
        Subscription.objects.create(email="new@example.org")
        Subscription.objects.create(email="kept@example.org", created_at=old, confirmed_at=old)

        run = send_alerts()

        assert run.unconfirmed_deleted == 1
        assert set(Subscription.objects.values_list("email", flat=True)) == {
            "resent@example.org",
            "new@example.org",
            "kept@example.org",
        }

    def test_reads_a_fixed_number_of_queries_whatever_the_subscribers(self, published_mali):
        for n in range(2):
            follower(f"first{n}@example.org")
        new_edition(published_mali)
        with CaptureQueriesContext(connection) as few:
            assert send_alerts().sent == 2
        for n in range(6):
            follower(f"second{n}@example.org")
        new_edition(published_mali)

        with CaptureQueriesContext(connection) as more:
            assert send_alerts().sent == 8

        # The expired subscriptions, the pending editions; then per batch a savepoint, the
        # locked subscriptions, what they were sent before, the new deliveries, the release.
        assert len(few) == len(more) == 7, "\n".join(q["sql"][:150] for q in more)

    def test_sends_in_batches_all_once(self, published_mali, monkeypatch):
        monkeypatch.setattr(alerts, "BATCH_SIZE", 2)
        for n in range(5):
            follower(f"reader{n}@example.org")
        new_edition(published_mali)

        messages = sent(run_twice=True)

        assert sorted(m.to[0] for m in messages) == [f"reader{n}@example.org" for n in range(5)]

    def test_the_command_says_how_many_to_how_many_addresses(self, published_mali):
        follower(country=published_mali.country)
        follower(topic=published_mali.topic)
        follower("other@example.org")
        new_edition(published_mali)
        out = StringIO()

        call_command("send_alerts", stdout=out)

        assert out.getvalue() == "Sent 3 alerts to 2 addresses.\n"


@pytest.mark.django_db
class ThroughSmtpTests:
    def test_the_alert_arrives_with_its_headers_and_links(self, published_mali, smtp_server):
        subscription = follower(country=published_mali.country)
        new_edition(published_mali)

        call_command("send_alerts", stdout=StringIO())

        message = smtp_server.only_message()
        assert message["To"] == READER
        assert message["From"] == "Monitor <alerts@localhost>"
        assert message["Subject"] == "New edition: Mali — Cluster Munition Ban Policy"
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = f"http://localhost:8000/alerts/unsubscribe/{unsubscribe_token(subscription)}/"
        # Folded onto a line of its own: unfolded, the value keeps the space (RFC 5322 2.2.3).
        assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
        report = "http://localhost:8000/countries/mali/cluster-munition-ban-policy"
        assert links_in(message) == [
            f"{report}/editions/2/",
            f"{report}/editions/1/compare/2/",
            unsubscribe,
            "http://localhost:8000/alerts/",
        ]
        assert f"What changed: {NOTE}" in text_of(message)

    def test_the_unsubscribe_header_works_as_a_one_click_post(self, published_mali, smtp_server):
        follower()
        new_edition(published_mali)
        send_alerts()
        link = smtp_server.only_message()["List-Unsubscribe"].strip().strip("<>")

        response = Client(enforce_csrf_checks=True).post(
            urlsplit(link).path,
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )

        assert response.status_code == 200 and not Subscription.objects.exists()

    def test_the_confirmation_mail_arrives_and_its_link_confirms(self, published_mali, smtp_server):
        subscribe(Client(), scope="country:mali")
        message = smtp_server.only_message()
        (link,) = links_in(message)

        Client().post(urlsplit(link).path)

        assert message["Subject"] == "Confirm your Monitor alerts for Mali"
        assert Subscription.objects.get().confirmed_at is not None

    def test_a_server_down_fails_clearly_and_the_next_run_sends(self, published_mali, settings):
        follower()
        new_edition(published_mali)
        port = free_port()
        point_django_at(settings, port)

        with pytest.raises(CommandError, match=rf"mail server 127\.0\.0\.1:{port}: .*refused"):
            call_command("send_alerts", stdout=StringIO())
        assert not AlertDelivery.objects.exists()

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert len(sent()) == 1

    def test_a_failure_part_way_keeps_what_was_sent(self, published_mali, smtp_server):
        for n in range(3):
            follower(f"reader{n}@example.org")
        new_edition(published_mali)
        smtp_server.fail_after = 1

        with pytest.raises(AlertsNotSent, match="1 alert sent before it"):
            send_alerts()
        assert len(smtp_server.messages) == AlertDelivery.objects.count() == 1

        smtp_server.fail_after = None
        assert send_alerts().sent == 2
        assert sorted(m["To"] for m in smtp_server.messages) == [
            f"reader{n}@example.org" for n in range(3)
        ]

    def test_a_refused_address_does_not_hold_back_the_others(self, published_mali, smtp_server):
        follower("gone@example.org")
        follower("here@example.org")
        new_edition(published_mali)
        smtp_server.refuse.add("gone@example.org")

        run = send_alerts()

        assert (run.sent, run.refused) == (1, 1)
        assert [m["To"] for m in smtp_server.messages] == ["here@example.org"]
        assert send_alerts().sent == 0  # the refusal is recorded, not retried every run


class GatedBackend(LocmemBackend):
    """The locmem backend, holding the first message until the test opens the gate."""

    entered = threading.Event()
    gate = threading.Event()

    def send_messages(self, messages):
        if not GatedBackend.entered.is_set():
            GatedBackend.entered.set()
            assert GatedBackend.gate.wait(10)
        return super().send_messages(messages)


@pytest.mark.skipif(
    not connection.features.has_select_for_update_skip_locked,
    reason="needs row locks (PostgreSQL); on SQLite run send_alerts from one place",
)
def test_two_runs_at_once_send_each_alert_once(transactional_db, settings):
    """Runs after the other tests (tests/conftest.py): its threads need committed rows, and
    the flush after it empties the tables the migrations filled, so it makes its own."""
    settings.EMAIL_BACKEND = "tests.profiles.test_alerts.GatedBackend"
    GatedBackend.entered.clear()
    GatedBackend.gate.clear()
    make_country("Mali", iso3="MLI")
    profile = import_profile_file(MALI, publish=True)
    for n in range(4):
        follower(f"reader{n}@example.org")
    new_edition(profile)
    runs = {}

    def run(name):
        try:
            runs[name] = send_alerts().sent
        finally:
            transaction.get_connection().close()

    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert GatedBackend.entered.wait(10)  # the first run holds its batch, mid-send
    second = threading.Thread(target=run, args=("second",))
    second.start()
    second.join(10)
    GatedBackend.gate.set()
    first.join(10)

    assert runs == {"first": 4, "second": 0}
    assert len(mail.outbox) == AlertDelivery.objects.count() == 4
    assert send_alerts().sent == 0


# Forgetting an address, and the archive -----------------------------------------------------------


@pytest.mark.django_db
def test_forget_email_deletes_subscriptions_and_blanks_corrections(published_mali):
    subscription = follower(country=published_mali.country)
    follower()
    follower("other@example.org")
    AlertDelivery.objects.create(
        subscription=subscription, publication=published_mali.latest_publication
    )
    correction = CorrectionRequest.objects.create(
        profile=published_mali, edition=1, what_is_wrong="A date.", email=READER
    )
    correction.state = CorrectionRequest.State.ACCEPTED
    correction.save()
    out = StringIO()

    call_command("forget_email", "Reader@Example.org", stdout=out)

    assert out.getvalue() == (
        "Forgot reader@example.org: deleted 2 subscription(s) and the record of 1 alert(s) "
        "sent; blanked it in 1 correction request(s) and 2 history record(s).\n"
    )
    assert list(Subscription.objects.values_list("email", flat=True)) == ["other@example.org"]
    assert not AlertDelivery.objects.exists()
    correction.refresh_from_db()
    assert correction.email == "" and correction.state == CorrectionRequest.State.ACCEPTED
    assert not CorrectionRequest.history.filter(email__iexact=READER).exists()
    assert CorrectionRequest.history.count() == 3


@pytest.mark.django_db
def test_forget_email_refuses_what_is_not_an_address():
    with pytest.raises(CommandError, match="“nobody” is not an email address"):
        call_command("forget_email", "nobody")


@pytest.mark.django_db
def test_the_archive_keeps_and_restores_subscriptions(tmp_path):
    path = tmp_path / "monitor.jsonl.gz"
    with transaction.atomic():
        profile = import_profile_file(MALI, publish=True)
        subscription = follower(country=profile.country)
        follower("waiting@example.org", confirmed=False)
        AlertDelivery.objects.create(
            subscription=subscription, publication=profile.latest_publication
        )
        call_command("export_archive", str(path), stdout=StringIO())
        transaction.set_rollback(True)
    text = gzip.decompress(path.read_bytes()).decode()
    assert '"model":"profiles.subscription"' in text and "waiting@example.org" in text
    assert '"model":"profiles.alertdelivery"' in text

    call_command("import_archive", str(path), stdout=StringIO())

    restored = Subscription.objects.get(email=READER)
    assert restored.country.slug == "mali" and restored.confirmed_at is not None
    assert Subscription.objects.get(email="waiting@example.org").confirmed_at is None
    assert AlertDelivery.objects.get().subscription == restored
    assert send_alerts().sent == 0  # what was sent before the backup is not sent again
