from django.core.management.base import BaseCommand
from django.db import transaction

from profiles.search import search_index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the public search index from the latest edition of every public profile. "
        "Publishing keeps the index up to date; run this after restoring a database or "
        "changing how passages are indexed."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            count = search_index_rebuild()
        self.stdout.write(f"Indexed {count} public profile{'s' if count != 1 else ''}.")
