from django.core.management.base import BaseCommand, CommandError

from profiles.models import Profile
from profiles.publishing import PublishBlocked, profile_publish, profile_withdraw


class Command(BaseCommand):
    help = (
        "Publish the working copy of a profile as a new edition (nothing new if it is "
        "unchanged), or withdraw it from the public site with --withdraw."
    )

    def add_arguments(self, parser):
        parser.add_argument("country", metavar="COUNTRY_SLUG", help="E.g. mali")
        parser.add_argument("topic", metavar="TOPIC_SLUG", help="E.g. cluster-munition-ban-policy")
        parser.add_argument(
            "--withdraw",
            action="store_true",
            help="Remove the profile from every public page; its editions stay stored.",
        )

    def handle(self, *args, country, topic, withdraw, **options):
        profile = (
            Profile.objects.filter(country__slug=country, topic__slug=topic)
            .select_related("country", "topic")
            .first()
        )
        if profile is None:
            raise CommandError(f"No profile for country “{country}” and topic “{topic}”.")
        if withdraw:
            if profile_withdraw(profile=profile):
                self.stdout.write(f"Withdrew {profile} from the public site.")
            else:
                self.stdout.write(f"{profile} was not public; nothing changed.")
            return
        try:
            result = profile_publish(profile=profile)
        except PublishBlocked as error:
            raise CommandError(f"{error} Nothing was published.") from None
        number = result.publication.number
        if result.created:
            self.stdout.write(f"Published {profile}, edition {number}.")
        elif result.restored:
            self.stdout.write(f"{profile} is public again with its unchanged edition {number}.")
        else:
            self.stdout.write(f"{profile} is unchanged since edition {number}; nothing published.")
