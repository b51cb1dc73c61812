from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from profiles.alerts import email_forget


class Command(BaseCommand):
    help = (
        "Forget a reader's email address: delete its alert subscriptions and the record of "
        "alerts sent to it, and blank it in correction requests and their history."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", metavar="ADDRESS", help="E.g. reader@example.org")

    def handle(self, *args, email, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"“{email}” is not an email address.") from None
        forgotten = email_forget(email=email)
        self.stdout.write(
            f"Forgot {email.lower()}: deleted {forgotten.subscriptions} subscription(s) and the "
            f"record of {forgotten.deliveries} alert(s) sent; blanked it in "
            f"{forgotten.correction_requests} correction request(s) and "
            f"{forgotten.correction_history_records} history record(s)."
        )
