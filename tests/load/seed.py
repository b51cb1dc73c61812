"""The load test's data, made inside Django on the private database.

    manage.py shell --command "from tests.load.seed import prepare; prepare(3, 2)"

imports and publishes the two fixture profiles, creates editors in the Editors group and a
publisher, each with a logged-in session, and prints JSON: the public pages, the claims to
edit, by editor the user id and session cookie, the publisher's, and the profiles' ids.
"""

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE_FILES = [
    "mali-cluster-munition-ban-policy.txt",
    "westmarch-cluster-munition-ban-policy.txt",
]


def log_in(user) -> str:
    """Return the key of a new session logged in as `user`, as the login form would make."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def prepare(editors: int, claims: int) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from profiles.models import Claim, Profile
    from profiles.roles import EDITORS, PUBLISHERS

    for name in FIXTURE_FILES:
        call_command("import_profile", str(FIXTURES / name), "--publish", verbosity=0)
    profile = Profile.objects.select_related("country", "topic").get(country__slug="mali")
    country, topic = profile.country.slug, profile.topic.slug
    group = Group.objects.get(name=EDITORS)
    sessions = {}
    for number in range(editors):
        user = get_user_model().objects.create_user(f"editor{number}", password=None, is_staff=True)
        user.groups.add(group)
        sessions[user.username] = {"id": user.pk, "session": log_in(user)}
    publisher = get_user_model().objects.create_user("publisher", password=None, is_staff=True)
    publisher.groups.add(Group.objects.get(name=PUBLISHERS))
    edited = Claim.objects.filter(section__profile=profile).order_by("pk")[:claims]
    print(
        json.dumps(
            {
                "pages": [
                    "/",
                    "/countries/",
                    f"/countries/{country}/",
                    f"/countries/{country}/{topic}/",
                    "/search/?q=convention",
                ],
                "claims": {claim.pk: claim.text for claim in edited},
                "editors": sessions,
                "publisher": {"id": publisher.pk, "session": log_in(publisher)},
                "profiles": {
                    f"/countries/{each.country.slug}/{each.topic.slug}/": each.pk
                    for each in Profile.objects.select_related("country", "topic")
                },
                "session_cookie": settings.SESSION_COOKIE_NAME,
            }
        )
    )
