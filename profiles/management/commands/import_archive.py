import time

from django.core.management.base import BaseCommand, CommandError

from profiles.archive import ArchiveError, archive_import


class Command(BaseCommand):
    help = (
        "Restore an archive written by export_archive into an empty, freshly migrated "
        "database, in one transaction. Refuses a database that holds users or profiles. "
        "Passwords are not archived: every restored user must set a new one."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="The archive (.jsonl or .jsonl.gz).")

    def handle(self, *args, path, **options):
        started = time.perf_counter()
        try:
            report = archive_import(path=path)
        except ArchiveError as error:
            raise CommandError(f"{error}\nNothing was restored.") from error
        seconds = time.perf_counter() - started
        self.stdout.write(f"Restored {report.summary()} from {path} in {seconds:.1f} s.")
        self.stdout.write(
            "Passwords are not archived: users cannot log in until they set a new one "
            "(an administrator runs manage.py changepassword USERNAME)."
        )
