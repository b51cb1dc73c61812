from django.core.management.base import BaseCommand, CommandError

from profiles.importing import profile_export
from profiles.models import Profile


class Command(BaseCommand):
    help = "Write the working copy of a profile to standard output in the plain-text format."

    def add_arguments(self, parser):
        parser.add_argument("country", metavar="COUNTRY_SLUG", help="E.g. mali")
        parser.add_argument("topic", metavar="TOPIC_SLUG", help="E.g. cluster-munition-ban-policy")

    def handle(self, *args, country, topic, **options):
        profile = Profile.objects.filter(country__slug=country, topic__slug=topic).first()
        if profile is None:
            raise CommandError(
                f"No profile for country “{country}” and topic “{topic}”. "
                "Give the slugs shown in the admin, e.g. mali cluster-munition-ban-policy."
            )
        self.stdout.write(profile_export(profile=profile), ending="")
