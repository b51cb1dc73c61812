from django.core.management.base import BaseCommand, CommandError

from profiles.importing import profiles_import
from profiles.publishing import PublishBlocked
from profiles.textformat import ProfileFormatError, read_profile_file


class Command(BaseCommand):
    help = (
        "Import profiles in the plain-text format into the working copy. All files are "
        "checked first; if any has a problem, nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="Profile files (UTF-8).")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish each imported profile as a new edition (none if it is unchanged).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the files and report what would change, without writing anything.",
        )

    def handle(self, *args, files, publish, dry_run, **options):
        documents, problems = [], []
        for path in files:
            try:
                documents.append(read_profile_file(path))
            except ProfileFormatError as error:
                problems.extend(error.problems)
        if problems:
            raise _refusal(problems)

        try:
            reports = profiles_import(documents=documents, publish=publish, dry_run=dry_run)
        except ProfileFormatError as error:  # found only against the database
            raise _refusal(error.problems) from None
        except PublishBlocked as error:
            raise CommandError(f"{error} Nothing was imported.") from None
        for report in reports:
            self.stdout.write(report.summary())
            for message in report.messages:
                self.stdout.write(f"  {message}")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")


def _refusal(problems) -> CommandError:
    count = f"{len(problems):,} problem{'s' if len(problems) > 1 else ''}"
    details = "\n".join(ProfileFormatError(problems).shown(str))
    return CommandError(f"{details}\n{count} found; nothing was imported.")
