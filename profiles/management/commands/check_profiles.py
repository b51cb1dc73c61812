import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from profiles.consistency import profile_checks, rule_table
from profiles.models import Country, Profile, Topic


class Command(BaseCommand):
    help = (
        "Check the working copy of profiles for text that contradicts the country's treaty "
        "status, “As of” dates more than a year older than “Last updated”, and footnotes "
        "citing sources dated after it. Exits with status 1 when it finds anything, 0 when "
        "all is consistent, and 2 when a country or topic is unknown or has no profile. Rules: "
        + "; ".join(f"{name} ({compares})" for name, compares in rule_table())
        + "."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "country", nargs="?", metavar="COUNTRY", help="A slug or name, e.g. mali. Default: all."
        )
        parser.add_argument(
            "topic",
            nargs="?",
            metavar="TOPIC",
            help="A slug or name, e.g. cluster-munition-ban-policy. Default: all.",
        )
        parser.add_argument(
            "--format",
            dest="output_format",
            choices=["text", "json"],
            default="text",
            help="text (default): findings grouped by profile, each at its file:line in the "
            "plain-text export; json: a list of profiles with their findings.",
        )

    def handle(self, *args, country, topic, output_format, **options):
        profiles = self.profiles(country, topic)
        checks = list(profile_checks(profiles))
        if not checks and (country or topic):
            named = " and ".join(filter(None, [country, topic]))
            raise CommandError(f"No profile for {named}.", returncode=2)

        if output_format == "json":
            self.stdout.write(
                json.dumps([check.as_dict() for check in checks], indent=2, ensure_ascii=False)
            )
        else:
            self.write_text(checks)
        if any(check.findings for check in checks):
            sys.exit(1)

    def write_text(self, checks):
        found = [check for check in checks if check.findings]
        for check in found:
            self.stdout.write(self.style.MIGRATE_HEADING(str(check.profile)))
            for finding in check.findings:
                self.stdout.write(
                    f"  {check.export_name}:{finding.line or '?'}: {finding.where}: "
                    f"{finding.message} [{finding.rule}]"
                )
                self.stdout.write(f"    {finding.admin_url}")
        count = sum(len(check.findings) for check in found)
        profiles = f"{len(checks)} profile{'s' if len(checks) != 1 else ''}"
        if count:
            self.stdout.write(
                self.style.WARNING(
                    f"{count} finding{'s' if count != 1 else ''} in {len(found)} of {profiles}."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"No findings in {profiles}."))

    def profiles(self, country: str | None, topic: str | None):
        """Narrow the profiles to a country and a topic, each named by its slug or name."""
        profiles = Profile.objects.all()
        unknown = []
        if country:
            found = Country.objects.filter(slug=country).first() or Country.objects.match(country)
            if found is None:
                unknown.append(f"country “{country}”")
            profiles = profiles.filter(country=found)
        if topic:
            found = Topic.objects.filter(Q(slug=topic) | Q(name__iexact=topic)).first()
            if found is None:
                unknown.append(f"topic “{topic}”")
            profiles = profiles.filter(topic=found)
        if unknown:
            raise CommandError(
                f"Unknown {' and '.join(unknown)}: give a slug or name, "
                "e.g. mali cluster-munition-ban-policy.",
                returncode=2,
            )
        return profiles
