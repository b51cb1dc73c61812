import datetime
import os
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from monitor.site import absolute_url
from profiles.models import Publication, Topic
from profiles.pdf import book_pdf


class Command(BaseCommand):
    help = (
        "Compile the report book of a topic: every public profile of the topic in one PDF, "
        "with a cover, a table of contents with page numbers, and bookmarks for each profile "
        "and its sections. Each profile is printed as its latest public edition, or with "
        "--year as it stood at the end of that year. Drafts and withdrawn profiles are never "
        "included."
    )

    def add_arguments(self, parser):
        parser.add_argument("topic", help="The topic's slug, e.g. cluster-munition-ban-policy.")
        parser.add_argument(
            "--year",
            type=int,
            help="Print each profile's latest edition published in or before this year (by the "
            "site's time zone), as the profile stood at the end of the year; a profile with no "
            "edition by then is left out. Default: each profile's latest edition.",
        )
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            type=Path,
            help="The PDF file to write (replaced if it exists; its directory must exist).",
        )

    def handle(self, *args, topic, year, output, **options):
        started = time.perf_counter()
        output = self.checked_output(output)
        topic = self.checked_topic(topic)
        if year is not None and not 1 <= year < datetime.MAXYEAR:
            raise CommandError(f"--year {year} is not a year to compile (1 to 9998).")
        editions = list(book_editions(topic, year))
        if not editions:
            by_then = f" with an edition published in or before {year}" if year else ""
            raise CommandError(f"There is no public profile of “{topic.name}”{by_then}.")
        book = book_pdf(
            [(edition, absolute_url(edition.get_absolute_url())) for edition in editions],
            topic=topic,
            year=year,
            compiled_on=timezone.localdate(),
        )
        try:
            write_atomically(output, book.pdf)
        except OSError as error:
            raise CommandError(f"Could not write {output}: {error.strerror}.") from error
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Wrote {output}: {book.profiles} profile{'s' if book.profiles != 1 else ''} of "
            f"“{topic.name}”, {book.pages} pages, {len(book.pdf) / 1024:,.0f} KB, "
            f"in {seconds:.1f} s."
        )

    def checked_output(self, output: Path) -> Path:
        output = output.expanduser().absolute()
        if output.is_dir():
            raise CommandError(f"{output} is a directory: give the PDF file to write.")
        if not output.parent.is_dir():
            raise CommandError(f"The directory {output.parent} does not exist.")
        return output

    def checked_topic(self, slug: str) -> Topic:
        topic = Topic.objects.filter(slug=slug).first()
        if topic is None:
            known = ", ".join(Topic.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"There is no topic “{slug}”. The topics: {known or 'none yet'}.")
        return topic


def book_editions(topic: Topic, year: int | None):
    """The edition of each public profile of `topic` to print, with its snapshot, by country:
    the latest, or the latest published in or before `year` (by the site's time zone)."""
    editions = Publication.objects.public().filter(profile__topic=topic)
    if year is None:
        editions = editions.filter(profile__latest_publication=F("pk"))
    else:
        end_of_year = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
        latest_by_then = (
            Publication.objects.filter(profile=OuterRef("profile"), published_at__lt=end_of_year)
            .order_by("-number")
            .values("pk")[:1]
        )
        editions = editions.filter(pk=Subquery(latest_by_then))
    return editions.select_related("profile__country", "profile__topic").order_by(
        "profile__country__name"
    )


def write_atomically(path: Path, content: bytes) -> None:
    """Write `content` to `path` through a temporary file beside it, renamed into place: a
    failure leaves the old file, or none, never half a file."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o666 & ~current_umask())  # as open() would have made it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
