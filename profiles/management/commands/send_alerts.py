from django.core.management.base import BaseCommand, CommandError

from profiles.alerts import AlertsNotSent, send_alerts


class Command(BaseCommand):
    help = (
        "Mail update alerts: each confirmed subscriber once about each new public edition they "
        "follow. Safe to run twice, or on two servers at once; run it every few minutes from "
        "cron or a systemd timer. Also deletes unconfirmed subscriptions whose link expired."
    )

    def handle(self, *args, **options):
        try:
            run = send_alerts()
        except AlertsNotSent as failure:
            raise CommandError(str(failure)) from failure
        self.stdout.write(run.summary())
