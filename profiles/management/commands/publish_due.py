from django.core.management.base import BaseCommand, CommandError

from profiles.releases import LaunchResult, releases_launch_due


class Command(BaseCommand):
    help = (
        "Launch every scheduled release whose launch time has come: publish its ready "
        "profiles, each as a new edition, and list the others, left unpublished, with the "
        "reason. Safe to run again (a launched release is never launched twice) and from two "
        "servers at once on PostgreSQL; run it every minute from cron or a systemd timer."
    )

    def handle(self, *args, **options):
        failures = []
        for outcome in releases_launch_due():
            if isinstance(outcome, LaunchResult):
                self.stdout.write(outcome.summary())
            else:
                release, error = outcome
                failures.append(f"“{release}”: {error}")
        if failures:
            raise CommandError(
                "Could not launch " + "; ".join(failures) + " (left scheduled; the next run "
                "tries again)."
            )
