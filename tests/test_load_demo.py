from io import StringIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, override_settings

from profiles.management.commands.load_demo import DEMO_PASSWORD, DEMO_USERNAME
from profiles.models import Profile

DEMO_FILES = sorted((Path(__file__).resolve().parent.parent / "profiles" / "demo").glob("*.txt"))
DEMO_LOGIN = f"{DEMO_USERNAME} / {DEMO_PASSWORD}"


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@override_settings(DEBUG=True)
class LoadDemoTests(TestCase):
    def test_creates_the_demo_superuser_and_prints_the_login(self):
        output = load_demo()

        user = get_user_model().objects.get()
        assert user.username == DEMO_USERNAME
        assert user.is_superuser
        assert user.is_staff
        assert user.check_password(DEMO_PASSWORD)
        assert DEMO_LOGIN in output
        assert "http://127.0.0.1:8000/admin/" in output

    def test_imports_every_demo_profile(self):
        load_demo()

        assert DEMO_FILES
        assert Profile.objects.count() == len(DEMO_FILES)

    def test_running_twice_duplicates_nothing(self):
        load_demo()

        output = load_demo()

        assert get_user_model().objects.count() == 1
        assert Profile.objects.count() == len(DEMO_FILES)
        assert f"A superuser already exists: {DEMO_USERNAME}." in output
        assert DEMO_LOGIN in output

    def test_keeps_an_existing_superuser_and_does_not_print_a_login(self):
        get_user_model().objects.create_superuser("editor", "", "not-the-demo-password")

        output = load_demo()

        assert list(get_user_model().objects.values_list("username", flat=True)) == ["editor"]
        assert "A superuser already exists: editor." in output
        assert DEMO_PASSWORD not in output

    def test_stops_printing_the_login_once_the_password_is_changed(self):
        load_demo()
        user = get_user_model().objects.get(username=DEMO_USERNAME)
        user.set_password("a-new-password")
        user.save()

        output = load_demo()

        assert DEMO_PASSWORD not in output


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
