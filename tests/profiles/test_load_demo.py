from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, override_settings

from profiles.management.commands.load_demo import (
    DEMO_PASSWORD,
    DEMO_ROLE_USERS,
    DEMO_USERNAME,
)
from profiles.models import Profile
from tests.conftest import ROOT

DEMO_FILES = sorted((ROOT / "profiles" / "demo").glob("*.txt"))
DEMO_LOGIN = f"{DEMO_USERNAME} / {DEMO_PASSWORD}"


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@override_settings(DEBUG=True)
class LoadDemoTests(TestCase):
    def test_creates_the_demo_superuser_and_prints_the_login(self):
        output = load_demo()

        user = get_user_model().objects.get(is_superuser=True)
        assert user.username == DEMO_USERNAME
        assert user.is_superuser
        assert user.is_staff
        assert user.check_password(DEMO_PASSWORD)
        assert DEMO_LOGIN in output
        assert "http://127.0.0.1:8000/admin/" in output

    def test_creates_one_staff_user_per_role_and_prints_their_logins(self):
        output = load_demo()

        for username, role in DEMO_ROLE_USERS.items():
            user = get_user_model().objects.get(username=username)
            assert (user.is_staff, user.is_superuser) == (True, False)
            assert list(user.groups.values_list("name", flat=True)) == [role]
            assert f"{role}: {username} / {DEMO_PASSWORD}" in output

    def test_imports_and_publishes_every_demo_profile(self):
        load_demo()

        assert DEMO_FILES
        assert Profile.objects.public().count() == len(DEMO_FILES)

    def test_running_twice_duplicates_nothing(self):
        load_demo()

        output = load_demo()

        assert get_user_model().objects.count() == 1 + len(DEMO_ROLE_USERS)
        assert Profile.objects.count() == len(DEMO_FILES)
        assert f"A superuser already exists: {DEMO_USERNAME}." in output
        assert DEMO_LOGIN in output

    def test_keeps_an_existing_superuser_and_does_not_print_a_login(self):
        get_user_model().objects.create_superuser("chief", "", "not-the-demo-password")

        output = load_demo()

        superusers = get_user_model().objects.filter(is_superuser=True)
        assert list(superusers.values_list("username", flat=True)) == ["chief"]
        assert "A superuser already exists: chief." in output
        assert f"{DEMO_USERNAME} / {DEMO_PASSWORD}" not in output

    def test_stops_printing_the_login_once_the_password_is_changed(self):
        load_demo()
        user = get_user_model().objects.get(username=DEMO_USERNAME)
        user.set_password("a-new-password")
        user.save()

        output = load_demo()

        assert DEMO_LOGIN not in output


@override_settings(DEBUG=False)
class LoadDemoWithDebugOffTests(TestCase):
    def test_refuses_to_run(self):
        with self.assertRaisesMessage(CommandError, "DJANGO_DEBUG=1"):
            load_demo()

        assert not get_user_model().objects.exists()
        assert not Profile.objects.exists()

    def test_runs_with_force(self):
        load_demo("--force")

        assert get_user_model().objects.filter(username=DEMO_USERNAME, is_superuser=True).exists()
