"""One run of the generator: its options, its stages in order, and its report."""

from __future__ import annotations

import datetime
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from citations.models import Citation, CitationSource, Source
from citations.sources import source_digest
from history.writer import record_as
from profiles.caching import public_changed
from profiles.demo_data.bulk import BATCH_SIZE, Moment, chunks, create_with_history
from profiles.demo_data.editions import earlier_snapshot, insert_editions
from profiles.demo_data.edits import HistoryPlan, write_history
from profiles.demo_data.prose import Prose
from profiles.demo_data.statuses import treaty_status
from profiles.demo_data.trees import ProfilePlan, Tree, TreeWriter, profile_size, section_count
from profiles.demo_data.vocabulary import TopicSpec, vocabulary
from profiles.models import (
    ChangeSet,
    Claim,
    Country,
    Profile,
    Publication,
    PublicTreatyStatus,
    SearchEntry,
    Section,
    Topic,
    Treaty,
    TreatyStatus,
)
from profiles.publishing import profile_withdraw
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from profiles.search import search_index_publication
from profiles.snapshots import build_snapshot, snapshot_checksum
from profiles.states import history_model
from profiles.timeline_index import link_profiles

# Profiles whose trees are generated and inserted together (to bound memory), and whose
# editions are built together (so that with_tree()'s IN lists stay well under SQLite's limit
# of 32,766 parameters: other profiles than the largest have at most 200 claims or so).
TREE_CHUNK = 200
EDITION_CHUNK = 50

YEAR = datetime.timedelta(days=365)
IMPORT_REASON = "Imported the demo data (generate_demo_data)"


class DemoDataRefused(Exception):
    """The database or the options rule out generating demo data; the message says why."""


@dataclass(frozen=True)
class DemoOptions:
    countries: int = 200
    topics: int = 10
    claims: int = 300  # in the largest profile
    sections: int = 20  # in the largest profile, its summary included
    editions: int = 20
    history: int = 10_000  # records of later edits in the largest profile
    seed: int = 1


@dataclass
class DemoReport:
    largest: Profile | None = None
    timings: list[tuple[str, float]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def demo_data_generate(*, options: DemoOptions, progress=None) -> DemoReport:
    """Fill an empty database with demo data (see the package's docstring), all or nothing."""
    check_options(options)
    with transaction.atomic():
        generation = Generation(options, progress)
        generation.run()
    return generation.report


def check_options(options: DemoOptions) -> None:
    """Refuse options the generator cannot honour, saying which and why."""
    for name in ("countries", "topics", "claims", "sections", "editions"):
        if getattr(options, name) < 1:
            raise DemoDataRefused(f"--{name} must be at least 1.")
    if options.history < 0:
        raise DemoDataRefused("--history cannot be negative.")
    known = len(vocabulary().topics)
    if options.topics > known:
        raise DemoDataRefused(f"--topics {options.topics}: at most {known} are known.")
    if options.sections < 2:
        raise DemoDataRefused("--sections must be at least 2: a summary and one more.")
    if options.claims < options.sections + 2:
        raise DemoDataRefused(
            f"--claims {options.claims} is too few for {options.sections} sections: "
            f"give at least {options.sections + 2}."
        )


class Generation:
    """One run of demo_data_generate: its random stream, its users and dates, and its stages."""

    def __init__(self, options: DemoOptions, progress):
        self.options = options
        self.progress = progress
        self.report = DemoReport()
        self.rng = random.Random(options.seed)
        self.prose = Prose(self.rng)
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.imported_at = self.now - (options.editions + 1) * YEAR

    def run(self) -> None:
        """Check the database is empty, then run the stages in order, timing each."""
        self.check_database()
        with self.stage("users, topics and treaty statuses"):
            self.make_users()
            self.imported = self.moment(self.imported_at, self.editors[0], IMPORT_REASON)
            self.make_topics()
            self.make_treaty_statuses()
        with self.stage("profiles"):
            self.make_profiles()
            self.report.largest = self.plans[0].profile
        with self.stage("sources"):
            self.make_sources()
        with self.stage("sections, claims and citations"):
            self.make_trees()
        with self.stage("history of the largest profile"):
            self.make_history()
        with self.stage("publications"):
            self.make_publications()
        with self.stage("public state and search index"):
            self.go_public()
        with self.stage("timeline index"):
            # The change sets were written outside change_set() scopes, which index them.
            link_profiles()
        public_changed()  # written in bulk, without signals
        self.report.counts = self.totals()

    @contextmanager
    def stage(self, name: str):
        """Time a stage, report it as progress, and keep it in the report."""
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        self.report.timings.append((name, seconds))
        if self.progress:
            self.progress(f"{name}: {seconds:.1f} s")

    def check_database(self) -> None:
        """Refuse a database with profiles, or with fewer countries than asked for."""
        existing = Profile.objects.count()
        if existing:
            raise DemoDataRefused(
                f"The database already has {existing} profile{'s' if existing != 1 else ''}. "
                "generate_demo_data only fills an empty database, so that demo data is never "
                "mixed into real data: run it on a freshly migrated database."
            )
        available = Country.objects.count()
        if self.options.countries > available:
            raise DemoDataRefused(
                f"--countries {self.options.countries}: the database has {available} countries."
            )

    def moment(self, date, user, reason: str, action=ChangeSet.Action.IMPORT) -> Moment:
        """Open a change set at a moment, for the rows written then."""
        created = ChangeSet.objects.create(created_at=date, user=user, action=action, reason=reason)
        return Moment(date, user, reason, created)

    # Users, topics, treaty statuses

    def make_users(self) -> None:
        """Find or create the staff users of each role."""
        self.editors = self.role_users("demo-editor", 3, EDITORS)
        self.fact_checkers = self.role_users("demo-factchecker", 3, FACT_CHECKERS)
        self.publishers = self.role_users("demo-publisher", 2, PUBLISHERS)

    def role_users(self, prefix: str, count: int, role: str) -> list:
        """Return `count` users of a role, named prefix-1…, creating those missing."""
        User = get_user_model()
        group = Group.objects.filter(name=role).first()
        users = []
        for number in range(1, count + 1):
            user = User.objects.filter(username=f"{prefix}-{number}").first()
            if user is None:
                user = User.objects.create_user(username=f"{prefix}-{number}", is_staff=True)
                if group is not None:
                    user.groups.add(group)
            users.append(user)
        return users

    def make_topics(self) -> None:
        """Create the topics asked for beyond those the migrations created."""
        specs = vocabulary().topics[: self.options.topics]
        existing = {
            topic.slug: topic for topic in Topic.objects.filter(slug__in=[s.slug for s in specs])
        }
        treaties = {treaty.slug: treaty for treaty in Treaty.objects.all()}
        new = [
            Topic(
                name=spec.name,
                slug=spec.slug,
                treaty=treaties.get(spec.treaty),
                description=spec.description,
            )
            for spec in specs
            if spec.slug not in existing
        ]
        create_with_history(Topic, new, self.imported)
        existing.update((topic.slug, topic) for topic in new)
        self.topics = [(spec, existing[spec.slug]) for spec in specs]
        self.treaties = treaties

    def make_treaty_statuses(self) -> None:
        """Draw the status of every country under every treaty, keeping those that exist, and
        publish the new ones."""
        taken = set(TreatyStatus.objects.values_list("country_id", "treaty_id"))
        statuses = [
            treaty_status(self.rng, country, treaty)
            for country in sorted(Country.objects.all(), key=lambda c: c.slug)
            for treaty in sorted(self.treaties.values(), key=lambda t: t.slug)
            if (country.pk, treaty.pk) not in taken
        ]
        create_with_history(TreatyStatus, statuses, self.imported)
        # The demo site has released every status it draws.
        public = [
            PublicTreatyStatus(country_id=s.country_id, treaty_id=s.treaty_id, **s.facts())
            for s in statuses
        ]
        create_with_history(PublicTreatyStatus, public, self.imported)
        self.statuses = {
            (status.country_id, status.treaty_id): status
            for status in TreatyStatus.objects.select_related("treaty")
        }

    # Profiles and their trees

    def make_profiles(self) -> None:
        """Plan and insert a profile for each country and topic, the largest first."""
        options = self.options
        countries = sorted(Country.objects.all(), key=lambda c: (c.is_other_area, c.slug))
        self.countries = countries[: options.countries]
        self.plans: list[ProfilePlan] = []
        for spec, topic in self.topics:
            for index, country in enumerate(self.countries):
                self.plans.append(self.plan_profile(spec, topic, country, index))
        self.mark_drafts()
        create_with_history(Profile, [plan.profile for plan in self.plans], self.imported)

    def plan_profile(self, spec: TopicSpec, topic: Topic, country: Country, index: int):
        """Draw what one profile will hold: its size, layout, date and editor."""
        options, rng = self.options, self.rng
        largest = not self.plans
        claims = options.claims if largest else profile_size(rng, options.claims)
        sections = section_count(
            claims, largest_claims=options.claims, largest_sections=options.sections
        )
        older_layout = not largest and bool(spec.treaty) and rng.random() < 0.1
        profile = Profile(
            country=country,
            topic=topic,
            last_updated=(
                self.published_at(topic_index=self.topic_index(spec), number=options.editions)
                - datetime.timedelta(days=rng.randint(5, 60))
            ).date(),
            compact_footnotes=older_layout,
            notes=rng.choice(vocabulary().profile_notes),
        )
        if older_layout:
            self.fill_status_box(profile, spec, country)
        return ProfilePlan(
            profile=profile,
            spec=spec,
            claims=claims,
            sections=sections,
            editor=rng.choice(self.editors),
            index_in_topic=index,
            largest=largest,
            older_layout=older_layout,
        )

    def topic_index(self, spec: TopicSpec) -> int:
        """Return a topic's position among those generated."""
        return next(index for index, (known, _topic) in enumerate(self.topics) if known is spec)

    def fill_status_box(self, profile: Profile, spec: TopicSpec, country: Country) -> None:
        """Fill the status box that profiles of the older layout show above their text."""
        words = vocabulary()
        treaty = self.treaties.get(spec.treaty)
        status = self.statuses.get((country.pk, treaty.pk)) if treaty else None
        label = status.get_status_display() if status else "Not party"
        profile.status_box_heading = f"Commitment to the {treaty.name}" if treaty else ""
        profile.status_box = [
            [f"{words.treaty(spec.treaty).title} status", label],
            [
                "Participation in meetings",
                self.prose.fill("Attended the {meeting}", meetings=words.meetings(spec.treaty)),
            ],
            ["Key developments", self.prose.fill("No developments since {year}")],
        ]

    def mark_drafts(self) -> None:
        """Keep a handful of profiles unpublished, and withdraw one, never the largest."""
        others = self.plans[1:]
        drafts = min(5, len(others) // 5)
        for plan in others[len(others) - drafts :]:
            plan.draft = True
        if len(others) - drafts >= 2:
            others[len(others) - drafts - 1].withdrawn = True

    def make_sources(self) -> None:
        """Draw and insert the sources any profile may cite, and each country's own."""
        self.common_sources = self.prose.common_sources(self.countries)
        self.sources_of = {
            country.pk: self.prose.country_sources(country, 24) for country in self.countries
        }
        cited = self.common_sources + [c for pool in self.sources_of.values() for c in pool]
        for item in cited:
            item.source.key = source_digest(item.source)
        create_with_history(Source, [item.source for item in cited], self.imported)

    def make_trees(self) -> None:
        """Write and insert the profiles' trees, a chunk of profiles at a time."""
        for chunk in chunks(self.plans, TREE_CHUNK):
            trees = Tree()
            for plan in chunk:
                tree = self.tree(plan)
                trees.extend(tree)
                if plan.largest:
                    self.largest_tree = tree
            create_with_history(Section, trees.sections, self.imported)
            create_with_history(Claim, trees.claims, self.imported)
            create_with_history(Citation, trees.citations, self.imported)
            create_with_history(CitationSource, trees.links, self.imported)

    def tree(self, plan: ProfilePlan) -> Tree:
        """Write a profile's tree, in memory."""
        return TreeWriter(self, plan).write()

    # History

    def make_history(self) -> None:
        """Plan years of edits to the largest profile, and write them."""
        if not self.options.history:
            return
        plan = HistoryPlan(
            self.rng,
            self.largest_tree,
            editors=self.editors,
            fact_checkers=self.fact_checkers,
            start=self.imported_at + datetime.timedelta(days=1),
            end=self.published_at(topic_index=0, number=self.options.editions)
            - datetime.timedelta(days=1),
        ).plan(self.options.history)
        write_history(plan)

    # Publications

    def published_at(self, *, topic_index: int, number: int) -> datetime.datetime:
        """Return when edition `number` of a topic's profiles went out: a year apart, topics a
        few days apart."""
        return self.imported_at + number * YEAR + datetime.timedelta(days=9 * topic_index)

    def make_publications(self) -> None:
        """Build and insert every published profile's editions, a chunk at a time."""
        publisher = self.publishers[0]
        plans = [plan for plan in self.plans if not plan.draft]
        for chunk in chunks(plans, EDITION_CHUNK):
            trees = Profile.objects.with_tree().in_bulk([plan.profile.pk for plan in chunk])
            editions = []
            for plan in chunk:
                latest = self.latest_snapshot(trees[plan.profile.pk])
                editions += self.editions(plan, latest, publisher)
                plan.latest = editions[-1]
            insert_editions(editions)

    def latest_snapshot(self, tree: Profile) -> dict:
        """Build the snapshot of the working copy as profile_publish does."""
        status = (
            self.statuses.get((tree.country_id, tree.topic.treaty_id))
            if tree.topic.treaty_id
            else None
        )
        return build_snapshot(tree, status)

    def editions(self, plan: ProfilePlan, latest: dict, publisher) -> list[Publication]:
        """Return a profile's editions, oldest first, the latest being `latest`."""
        total, topic_index = self.options.editions, self.topic_index(plan.spec)
        editions = []
        for number in range(1, total + 1):
            published_at = self.published_at(topic_index=topic_index, number=number)
            published_at += datetime.timedelta(minutes=plan.index_in_topic)
            if number == total:
                snapshot, last_updated = latest, plan.profile.last_updated
            else:
                last_updated = (
                    published_at - datetime.timedelta(days=self.rng.randint(5, 60))
                ).date()
                # Profiles grow slowly at first, then faster.
                share = 0.15 + 0.85 * ((number - 1) / max(1, total - 1)) ** 2
                snapshot = earlier_snapshot(
                    latest,
                    claims=max(1, round(plan.claims * share)),
                    last_updated=last_updated,
                    rng=self.rng,
                )
            editions.append(
                Publication(
                    profile=plan.profile,
                    number=number,
                    published_at=published_at,
                    published_by_id=publisher.pk,
                    last_updated=last_updated,
                    snapshot=snapshot,
                    checksum=snapshot_checksum(snapshot),
                )
            )
        return editions

    def go_public(self) -> None:
        """Make each topic's latest editions public in one change set, as an annual release
        does; index them for search; withdraw one profile."""
        number, publisher = self.options.editions, self.publishers[0]
        for topic_index, (spec, _topic) in enumerate(self.topics):
            plans = [p for p in self.plans if p.spec is spec and p.latest is not None]
            if not plans:
                continue
            moment = self.moment(
                self.published_at(topic_index=topic_index, number=number),
                publisher,
                f"Published edition {number} of the {spec.name} profiles",
                action=ChangeSet.Action.PUBLISH,
            )
            for plan in plans:
                profile = plan.profile
                profile.latest_publication = plan.latest
                profile.public_changed_at = plan.latest.published_at
                profile._history_date = plan.latest.published_at
                record_as(profile, user=publisher, reason=f"Published edition {number}")
            bulk_update_with_history(
                [plan.profile for plan in plans],
                Profile,
                ["latest_publication", "public_changed_at"],
                batch_size=BATCH_SIZE,
                custom_historical_attrs={"change_set_id": moment.change_set.pk},
            )
            for plan in plans:
                search_index_publication(publication=plan.latest)
        for plan in self.plans:
            if plan.withdrawn:
                profile_withdraw(profile=plan.profile, user=publisher)

    def totals(self) -> dict[str, int]:
        """Count the rows of each kind in the database."""
        versioned = [Profile, Section, Claim, Citation, CitationSource, Source, Topic, TreatyStatus]
        return {
            "profiles": Profile.objects.count(),
            "public profiles": Profile.objects.public().count(),
            "sections": Section.objects.count(),
            "claims": Claim.objects.count(),
            "citations": Citation.objects.count(),
            "sources": Source.objects.count(),
            "source links": CitationSource.objects.count(),
            "publications": Publication.objects.count(),
            "search entries": SearchEntry.objects.count(),
            "history records": sum(history_model(m).objects.count() for m in versioned),
            "change sets": ChangeSet.objects.count(),
        }
