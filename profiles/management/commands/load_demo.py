from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS

# A published password, for a local demo only: the command refuses to run with debug off.
DEMO_USERNAME = "admin"
DEMO_PASSWORD = "monitor-demo"
ADMIN_URL = "http://127.0.0.1:8000/admin/"
# One staff user a role, so a newcomer can try each; same demo password.
DEMO_ROLE_USERS = {"editor": EDITORS, "factchecker": FACT_CHECKERS, "publisher": PUBLISHERS}


class Command(BaseCommand):
    help = (
        "Load and publish the demo profiles from profiles/demo/, and create a demo superuser "
        f"({DEMO_USERNAME} / {DEMO_PASSWORD}) if there is no superuser yet, and one staff user "
        "per role (editor, factchecker, publisher). Safe to run again. "
        "Local use only: refuses to run unless DJANGO_DEBUG is on or --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DJANGO_DEBUG off. Never do this on a public site.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "load_demo creates a superuser with a published password, so it only runs "
                "with DJANGO_DEBUG=1. Use --force to run it anyway (never on a public site)."
            )
        self.load_profiles(verbosity=options["verbosity"])
        self.ensure_superuser()
        self.ensure_role_users()

    def load_profiles(self, *, verbosity: int) -> None:
        demo_dir = Path(apps.get_app_config("profiles").path) / "demo"
        paths = sorted(demo_dir.glob("*.txt"))
        if not paths:
            self.stdout.write(f"No demo profiles in {demo_dir}.")
            return
        call_command(
            "import_profile",
            *map(str, paths),
            "--publish",
            verbosity=verbosity,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        names = ", ".join(path.name for path in paths)
        self.stdout.write(f"Loaded and published the demo profiles from {demo_dir}: {names}.")

    def ensure_superuser(self) -> None:
        User = get_user_model()
        superusers = list(
            User.objects.filter(is_superuser=True).order_by("pk").values_list("username", flat=True)
        )
        if superusers:
            self.stdout.write(f"A superuser already exists: {', '.join(superusers)}.")
            demo_user = User.objects.filter(username=DEMO_USERNAME, is_superuser=True).first()
            if demo_user is None or not demo_user.check_password(DEMO_PASSWORD):
                return
        else:
            if User.objects.filter(username=DEMO_USERNAME).exists():
                raise CommandError(
                    f"There is no superuser, and the user {DEMO_USERNAME!r} exists but is not "
                    "one. Create a superuser with `manage.py createsuperuser` instead."
                )
            User.objects.create_superuser(username=DEMO_USERNAME, email="", password=DEMO_PASSWORD)
            self.stdout.write(self.style.SUCCESS(f"Created the demo superuser {DEMO_USERNAME!r}."))
        self.stdout.write(
            f"Log in at {ADMIN_URL} as {DEMO_USERNAME} / {DEMO_PASSWORD} (local demo only)."
        )

    def ensure_role_users(self) -> None:
        """Create a staff user for each role unless one of that name exists already."""
        from django.contrib.auth.models import Group

        User = get_user_model()
        for username, role in DEMO_ROLE_USERS.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username, password=DEMO_PASSWORD, is_staff=True
                )
                user.groups.add(Group.objects.get(name=role))
            if user.check_password(DEMO_PASSWORD):
                self.stdout.write(f"  {role}: {username} / {DEMO_PASSWORD}")
