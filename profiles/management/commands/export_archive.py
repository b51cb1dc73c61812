import time

from django.core.management.base import BaseCommand, CommandError

from profiles.archive import ArchiveError, archive_export


class Command(BaseCommand):
    help = (
        "Back up the whole database to one portable file: profiles, publications, review "
        "states, history, change sets, users (without their passwords), groups and the admin "
        "log. Compressed with gzip when PATH ends in .gz. import_archive restores it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="E.g. monitor-2026-11-27.jsonl.gz")

    def handle(self, *args, path, **options):
        started = time.perf_counter()
        try:
            report = archive_export(path=path)
        except (ArchiveError, OSError) as error:
            raise CommandError(f"Nothing was written: {error}") from error
        seconds = time.perf_counter() - started
        self.stdout.write(f"Wrote {report.summary()} to {path} in {seconds:.1f} s.")
