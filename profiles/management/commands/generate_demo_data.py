import dataclasses
import time

from django.core.management.base import BaseCommand, CommandError

from profiles.demo_data import DemoDataRefused, DemoOptions, demo_data_generate

OPTION_HELP = {
    "countries": "Countries to write profiles for (taken from those the migrations load).",
    "topics": "Topics; every country gets a profile on each.",
    "claims": "Claims in the largest profile (the first country's, on the first topic).",
    "sections": "Sections in the largest profile, its summary included.",
    "editions": "Published editions of each profile.",
    "history": "History records of later edits to the largest profile.",
    "seed": "Seed of the random text: the same seed writes the same profiles.",
}


class Command(BaseCommand):
    help = (
        "Fill an empty, freshly migrated database with synthetic profiles, editions, sources "
        "and history at the scale of a real monitoring group, for benchmarks. Refuses a "
        "database that already has profiles."
    )

    def add_arguments(self, parser):
        defaults = DemoOptions()
        for option in dataclasses.fields(DemoOptions):
            default = getattr(defaults, option.name)
            parser.add_argument(
                f"--{option.name}",
                type=int,
                default=default,
                help=f"{OPTION_HELP[option.name]} Default: {default}.",
            )

    def handle(self, *args, **options):
        demo_options = DemoOptions(
            **{option.name: options[option.name] for option in dataclasses.fields(DemoOptions)}
        )
        progress = self.stdout.write if options["verbosity"] else None
        started = time.perf_counter()
        try:
            report = demo_data_generate(options=demo_options, progress=progress)
        except DemoDataRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        seconds = time.perf_counter() - started

        largest = report.largest
        self.stdout.write(
            f"Largest profile: {largest.country.slug} {largest.topic.slug} "
            f"({demo_options.claims} claims in {demo_options.sections} sections)"
        )
        for name, count in report.counts.items():
            self.stdout.write(f"  {name}: {count:,}")
        self.stdout.write(self.style.SUCCESS(f"Generated the demo data in {seconds:.1f} s."))
