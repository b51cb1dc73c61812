"""The profile domain: countries, treaties and their statuses, topics, profiles with their
tree of sections and claims, publications (editions), change sets and the search index.

Over 700 lines because each model keeps its QuerySet (the reads its pages need) beside it,
and Django finds an app's models in one module; the shared versioning machinery is in the
history app.
"""

import datetime
import unicodedata
import zoneinfo

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Prefetch, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify

from history.models import VersionedHistory, acting_user


def choices_constraint(field: str, choices, *, name: str, allow_blank: bool = False):
    """Back a field's choices with a database check, since choices alone do not constrain save()."""
    values = [value for value, _label in choices]
    condition = Q(**{f"{field}__in": values})
    if allow_blank:
        condition |= Q(**{field: ""})
    return models.CheckConstraint(condition=condition, name=name)


class CountryRegion(models.TextChoices):
    AFRICA = "africa", "Africa"
    AMERICAS = "americas", "Americas"
    ASIA_PACIFIC = "asia-pacific", "Asia-Pacific"
    EUROPE_CENTRAL_ASIA = "europe-central-asia", "Europe, the Caucasus and Central Asia"
    MIDDLE_EAST_NORTH_AFRICA = "middle-east-north-africa", "Middle East and North Africa"


class TreatyStatusChoice(models.TextChoices):
    STATE_PARTY = "state-party", "State party"
    SIGNATORY = "signatory", "Signatory"
    NOT_PARTY = "not-party", "Not party"


class JoinedByChoice(models.TextChoices):
    RATIFICATION = "ratification", "Ratification"
    ACCESSION = "accession", "Accession"
    SUCCESSION = "succession", "Succession"


class SectionKind(models.TextChoices):
    SUMMARY = "summary", "Summary"
    BODY = "body", "Body"


class SectionLevel(models.IntegerChoices):
    HEADING = 1, "Heading"
    SUB_HEADING = 2, "Sub-heading"


# Typographic quotes that pasted report text uses where a name has a plain ' or ".
QUOTE_VARIANTS = str.maketrans(
    {"‘": "'", "’": "'", "‛": "'", "ʼ": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"'}
)


def normalise_name(name: str) -> str:
    """Fold a name for matching: case, accents, quote style, runs of spaces, a leading "the"."""
    decomposed = unicodedata.normalize("NFKD", name.translate(QUOTE_VARIANTS))
    folded = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(folded.casefold().split()).removeprefix("the ")


class ChangeSetAction(models.TextChoices):
    EDIT = "edit", "Edit"
    IMPORT = "import", "Import"
    PUBLISH = "publish", "Publish"
    REVIEW = "review", "Review"
    REVERT = "revert", "Revert"
    EDIT_AS_TEXT = "edit-as-text", "Edit as text"
    RELEASE = "release", "Release"
    OTHER = "other", "Other"


class ChangeSet(models.Model):
    """The history records written by one request, import, publish or command
    (history/changesets.py)."""

    Action = ChangeSetAction

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_sets",
    )
    action = models.CharField(max_length=20, choices=ChangeSetAction, default=ChangeSetAction.EDIT)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "change set"
        verbose_name_plural = "change sets"
        constraints = [
            choices_constraint("action", ChangeSetAction.choices, name="changeset_valid_action")
        ]

    def __str__(self):
        who = self.user or "the system"
        return f"{self.get_action_display()} by {who}, {self.created_at:%d %B %Y %H:%M}"


class ProfileChangeSet(models.Model):
    """A change set that wrote records within a profile: the index of the profile's timeline.

    Derived from the history tables (profiles/timeline_index.py writes it when a change set
    closes), so it keeps no history itself. `profile_id` is no foreign key: the timeline of
    a deleted profile's history stays readable.
    """

    profile_id = models.BigIntegerField()
    change_set = models.ForeignKey(ChangeSet, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(help_text="The change set's, for the timeline's order.")

    class Meta:
        verbose_name = "profile change set"
        constraints = [
            models.UniqueConstraint(
                fields=["profile_id", "change_set"], name="profilechangeset_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["profile_id", "-created_at", "-change_set"],
                name="profilechangeset_timeline",
            )
        ]

    def __str__(self):
        return f"Profile {self.profile_id}: change set {self.change_set_id}"


class SlugFromName(models.Model):
    """A model whose empty slug is filled from its name when saved."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)
        super().save(*args, **kwargs)


def public_profile_condition(prefix: str = "") -> Q:
    """The condition for a public profile (published, not withdrawn), from a related model."""
    return Q(
        **{
            f"{prefix}latest_publication__isnull": False,
            f"{prefix}withdrawn_at__isnull": True,
        }
    )


def _label(field: str, choices) -> models.Case:
    """Return the display label of a choice held in an annotation."""
    whens = [models.When(**{field: value}, then=Value(label)) for value, label in choices]
    return models.Case(*whens, default=Value(""), output_field=models.CharField())


# What the public tables say of a country with no published status under a treaty.
NO_DATA = "no-data"
PUBLIC_STATUS_CHOICES = [*TreatyStatusChoice.choices, (NO_DATA, "No data")]


def _with_treaty_status(queryset, relation: str, condition: Q):
    """Annotate each row with one published treaty status: a country's for a treaty, or a
    treaty's for a country. No published status reads as "No data" (never "Not party") and
    sorts after every recorded status. One join, no query per row."""
    ranks = [
        models.When(status=value, then=Value(rank))
        for rank, (value, _label) in enumerate(PUBLIC_STATUS_CHOICES)
    ]
    return (
        queryset.annotate(status_row=models.FilteredRelation(relation, condition=condition))
        .annotate(
            status=Coalesce(F("status_row__status"), Value(NO_DATA)),
            signed_on=F("status_row__signed_on"),
            joined_on=F("status_row__joined_on"),
            joined_by=Coalesce(F("status_row__joined_by"), Value("")),
            in_force_on=F("status_row__in_force_on"),
            initial_report_due_on=F("status_row__initial_report_due_on"),
            last_report_submitted_on=F("status_row__last_report_submitted_on"),
        )
        .annotate(
            status_label=_label("status", PUBLIC_STATUS_CHOICES),
            joined_by_label=_label("joined_by", JoinedByChoice.choices),
            status_rank=models.Case(*ranks, default=Value(len(ranks))),
        )
    )


class CountryQuerySet(models.QuerySet):
    def with_status_for(self, treaty):
        """Annotate each country with its published status for `treaty` (the treaty's status
        table), and `region_sort`, its region with no region sorting last."""
        return _with_treaty_status(
            self, "public_treaty_statuses", Q(public_treaty_statuses__treaty=treaty)
        ).annotate(region_sort=NullIf("region", Value("")))

    def with_public_profile(self):
        """Countries with at least one public profile."""
        return self.filter(models.Exists(Profile.objects.public().filter(country=OuterRef("pk"))))

    def listed(self):
        """Countries the public directory knows: the reference list (those with an ISO code,
        and other areas), and any other country once one of its profiles is public.

        Importing a draft creates the country it names when none matches (a new area, a
        misspelling); that country stays out of sight until one of its profiles is published.
        """
        has_public_profile = models.Exists(Profile.objects.public().filter(country=OuterRef("pk")))
        return self.filter(~Q(iso3="") | Q(is_other_area=True) | has_public_profile)

    def match(self, name: str) -> "Country | None":
        """Return the country known by this name, or None.

        Compare the normalised name with each country's name, slug, official name and
        alternative names. A country's own name wins over another country's alternative name.
        """
        wanted = normalise_name(name)
        if not wanted:
            return None
        found = {}
        rows = self.values_list("pk", "name", "slug", "official_name", "alternative_names")
        for pk, country_name, slug, official_name, alternative_names in rows:
            candidates = [(0, country_name), (1, slug), (2, official_name)]
            candidates += [(3, alternative) for alternative in alternative_names.splitlines()]
            for rank, known in candidates:
                if known.strip() and normalise_name(known) == wanted:
                    found.setdefault(rank, pk)
        if not found:
            return None
        return self.get(pk=found[min(found)])


class Country(SlugFromName):
    Region = CountryRegion

    name = models.CharField(
        max_length=100,
        help_text="The common short name used in reports, e.g. “Bolivia”, “Côte d'Ivoire”.",
    )
    official_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="The full name, e.g. “Plurinational State of Bolivia”.",
    )
    slug = models.SlugField(
        max_length=100, help_text="Used in public addresses: /countries/<slug>/. Keep it stable."
    )
    iso3 = models.CharField(
        "ISO 3166 alpha-3",
        max_length=3,
        blank=True,
        help_text="Three-letter ISO code; leave empty for areas without one.",
    )
    region = models.CharField(max_length=32, choices=Region, blank=True)
    is_other_area = models.BooleanField(
        "other area",
        default=False,
        help_text="Tick for areas the Monitor reports on that are not internationally "
        "recognised states (e.g. Kosovo, Taiwan, Western Sahara).",
    )
    alternative_names = models.TextField(
        blank=True,
        help_text="Other names this country is known by, one per line. "
        "The importer matches profile files against these.",
    )

    history = VersionedHistory()
    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "country"
        verbose_name_plural = "countries"
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="country_unique_slug"),
            models.UniqueConstraint(
                fields=["iso3"], condition=~Q(iso3=""), name="country_unique_iso3"
            ),
            choices_constraint(
                "region", CountryRegion.choices, name="country_valid_region", allow_blank=True
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("profiles:country_detail", args=[self.slug])

    def known_names(self) -> list[str]:
        """Return every name this country may be written as in a profile file."""
        names = [self.name, self.official_name, *self.alternative_names.splitlines()]
        return [name.strip() for name in names if name.strip()]


class TreatyQuerySet(models.QuerySet):
    def with_status_of(self, country):
        """Annotate each treaty with `country`'s published status under it."""
        return _with_treaty_status(self, "public_statuses", Q(public_statuses__country=country))

    def with_party_counts(self):
        """Annotate the numbers of listed countries published as state parties and
        signatories: recorded statuses only, so a country with no data is counted in neither."""
        listed = Q(public_statuses__country__in=Country.objects.listed())
        status = "public_statuses__status"
        return self.annotate(
            state_party_count=models.Count(
                "public_statuses",
                filter=listed & Q(**{status: TreatyStatusChoice.STATE_PARTY}),
            ),
            signatory_count=models.Count(
                "public_statuses", filter=listed & Q(**{status: TreatyStatusChoice.SIGNATORY})
            ),
        )


class Treaty(SlugFromName):
    name = models.CharField(max_length=200, help_text="The treaty's full name.")
    short_name = models.CharField(max_length=100, blank=True, help_text="E.g. “CCM”.")
    slug = models.SlugField(
        max_length=100, help_text="Used in public addresses: /treaties/<slug>/."
    )
    adopted_on = models.DateField(null=True, blank=True)
    entry_into_force_on = models.DateField("entered into force on", null=True, blank=True)

    history = VersionedHistory()
    objects = TreatyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "treaty"
        verbose_name_plural = "treaties"
        constraints = [models.UniqueConstraint(fields=["slug"], name="treaty_unique_slug")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("profiles:treaty_detail", args=[self.slug])


def reported_treaty_status(rows, profile):
    """Narrow treaty-status rows, live or historical, to the one `profile` reports: its
    country's status under its topic's treaty (none, for a topic tied to no treaty)."""
    if not profile.topic.treaty_id:
        return rows.none()
    return rows.filter(country_id=profile.country_id, treaty_id=profile.topic.treaty_id)


class TreatyStatusQuerySet(models.QuerySet):
    def reported_in(self, profile):
        """The status `profile` reports (see reported_treaty_status)."""
        return reported_treaty_status(self, profile)


class TreatyStatusFacts(models.Model):
    """The facts of a country's status under a treaty, as the public reads them: kept twice,
    as the editors' working copy (TreatyStatus) and as published (PublicTreatyStatus)."""

    Status = TreatyStatusChoice

    JoinedBy = JoinedByChoice

    status = models.CharField(max_length=20, choices=Status, default=TreatyStatusChoice.NOT_PARTY)
    signed_on = models.DateField(null=True, blank=True)
    joined_on = models.DateField(
        "ratified or acceded on",
        null=True,
        blank=True,
        help_text="The date of ratification, accession or succession.",
    )
    joined_by = models.CharField("joined by", max_length=20, choices=JoinedBy, blank=True)
    in_force_on = models.DateField(
        "entry into force",
        null=True,
        blank=True,
        help_text="When the treaty entered into force for this country.",
    )
    initial_report_due_on = models.DateField(
        "initial transparency report due", null=True, blank=True
    )
    last_report_submitted_on = models.DateField(
        "last transparency report submitted", null=True, blank=True
    )

    FACTS = (
        "status",
        "signed_on",
        "joined_on",
        "joined_by",
        "in_force_on",
        "initial_report_due_on",
        "last_report_submitted_on",
    )

    class Meta:
        abstract = True

    def facts(self) -> dict:
        return {name: getattr(self, name) for name in self.FACTS}

    def summary(self) -> str:
        """The facts in one line: "State party · signed 3 December 2008 · ratification 30 June
        2010"."""
        dated = [
            ("signed", self.signed_on),
            ((self.get_joined_by_display() or "joined").lower(), self.joined_on),
            ("in force", self.in_force_on),
        ]
        parts = [self.get_status_display()]
        parts += [f"{label} {date_format(date)}" for label, date in dated if date]
        return " · ".join(parts)

    @staticmethod
    def constraints_for(prefix: str) -> list:
        return [
            models.UniqueConstraint(
                fields=["country", "treaty"], name=f"{prefix}_unique_country_treaty"
            ),
            choices_constraint("status", TreatyStatusChoice.choices, name=f"{prefix}_valid_status"),
            choices_constraint(
                "joined_by",
                JoinedByChoice.choices,
                name=f"{prefix}_valid_joined_by",
                allow_blank=True,
            ),
        ]


class TreatyStatus(TreatyStatusFacts):
    """The editors' working copy of a country's status under a treaty. The public reads the
    published copy (PublicTreatyStatus), which only a publication or a publisher's
    explicit act brings up to date (profiles.publishing)."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="treaty_statuses")
    treaty = models.ForeignKey(Treaty, on_delete=models.CASCADE, related_name="statuses")
    notes = models.TextField(blank=True, help_text="Internal notes; not shown to the public.")

    history = VersionedHistory()
    objects = TreatyStatusQuerySet.as_manager()

    class Meta:
        ordering = ["treaty__name", "country__name"]
        verbose_name = "treaty status"
        verbose_name_plural = "treaty statuses"
        constraints = TreatyStatusFacts.constraints_for("treatystatus")

    def __str__(self):
        return f"{self.country} — {self.treaty}: {self.get_status_display()}"


class PublicTreatyStatus(TreatyStatusFacts):
    """A treaty status as released to the public: what the treaty tables, country pages and
    their CSV show. No row means the public is told "No data", never "Not party"."""

    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="public_treaty_statuses"
    )
    treaty = models.ForeignKey(Treaty, on_delete=models.CASCADE, related_name="public_statuses")

    history = VersionedHistory()

    class Meta:
        ordering = ["treaty__name", "country__name"]
        verbose_name = "public treaty status"
        verbose_name_plural = "public treaty statuses"
        constraints = TreatyStatusFacts.constraints_for("publictreatystatus")

    def __str__(self):
        return f"{self.country} — {self.treaty}: {self.get_status_display()} (published)"


class TopicQuerySet(models.QuerySet):
    def with_public_profiles(self):
        """Topics with at least one public profile, counted in `public_profile_count`.

        A topic with drafts only is left out: its name would tell of an unpublished profile.
        """
        counted = self.annotate(
            public_profile_count=models.Count(
                "profiles", filter=public_profile_condition("profiles__")
            )
        )
        return counted.filter(public_profile_count__gt=0)


class Topic(SlugFromName):
    name = models.CharField(max_length=200, help_text="E.g. “Cluster Munition Ban Policy”.")
    slug = models.SlugField(max_length=100, help_text="Used in public addresses.")
    treaty = models.ForeignKey(
        Treaty,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
        help_text="The treaty whose status this topic's profiles report.",
    )
    description = models.TextField(blank=True, help_text="A sentence or two for the home page.")

    history = VersionedHistory()
    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "topic"
        verbose_name_plural = "topics"
        constraints = [models.UniqueConstraint(fields=["slug"], name="topic_unique_slug")]

    def __str__(self):
        return self.name


# Fields of Profile that only profile_publish and profile_withdraw write.
PUBLIC_STATE_FIELDS = ("latest_publication_id", "withdrawn_at", "public_changed_at")


class ProfileState(models.TextChoices):
    """Where a profile stands with the public (Profile.state)."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CHANGED = "changed", "Published + unpublished changes"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Change sets that leave the working copy as it was: a publish records the public state, a
# review the fact-checkers' verdict, a release's act its schedule and assignments, none of
# which the public reads.
NOT_WORKING_COPY_ACTIONS = (
    ChangeSetAction.PUBLISH,
    ChangeSetAction.REVIEW,
    ChangeSetAction.RELEASE,
)
# Before any change set: a draft's changes are all unpublished.
_BEFORE_EVERYTHING = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)


def unpublished_change_sets():
    """The index rows (ProfileChangeSet) of the change sets that changed the outer query's
    profile since its latest edition (a draft: ever), for a subquery of profiles.

    Read from the timeline index, one index range a profile. A change the public would not
    see (a profile's internal notes, a source's structured fields) or one undone later
    counts too: the publish page then finds nothing to publish.
    """
    # The latest edition's date by a subquery, not a join of the outer query: joining made
    # PostgreSQL read every edition (40,000 at full scale) before sorting 2,000 profiles.
    latest = Publication.objects.filter(pk=OuterRef(OuterRef("latest_publication_id")))
    since = Coalesce(
        models.Subquery(latest.order_by().values("published_at")), Value(_BEFORE_EVERYTHING)
    )
    return ProfileChangeSet.objects.filter(profile_id=OuterRef("pk"), created_at__gt=since).exclude(
        change_set__action__in=NOT_WORKING_COPY_ACTIONS
    )


class ProfileQuerySet(models.QuerySet):
    def with_state(self):
        """Annotate where each profile stands with the public, in the same query:
        `state_code` (a ProfileState), `edition_number` (its latest edition's, None for a
        draft) and `changed_at` (its last unpublished change, None when there is none).
        Profile.state and Profile.state_label read them."""
        last_change = unpublished_change_sets().order_by("-created_at").values("created_at")
        edition = Publication.objects.filter(pk=OuterRef("latest_publication_id")).order_by()
        return self.annotate(
            edition_number=models.Subquery(edition.values("number")),
            changed_at=models.Subquery(last_change[:1]),
            state_code=models.Case(
                models.When(withdrawn_at__isnull=False, then=Value(ProfileState.WITHDRAWN)),
                models.When(latest_publication__isnull=True, then=Value(ProfileState.DRAFT)),
                models.When(changed_at__isnull=False, then=Value(ProfileState.CHANGED)),
                default=Value(ProfileState.PUBLISHED),
                output_field=models.CharField(),
            ),
        )

    def with_unpublished_changes_by(self, user):
        """Profiles `user` changed since their latest edition (drafts: ever), with
        `user_changed_at`, the time of their last such change."""
        theirs = unpublished_change_sets().filter(change_set__user=user).order_by("-created_at")
        return self.annotate(
            user_changed_at=models.Subquery(theirs.values("created_at")[:1])
        ).filter(user_changed_at__isnull=False)

    def edited_by(self, user):
        """Profiles `user` has changed at some time (an edit, import or revert)."""
        edits = ProfileChangeSet.objects.filter(change_set__user=user).exclude(
            change_set__action__in=NOT_WORKING_COPY_ACTIONS
        )
        return self.filter(pk__in=edits.values("profile_id"))

    def public(self):
        """Profiles the public may read: published at least once and not withdrawn."""
        return self.filter(public_profile_condition())

    def of(self, country: str, topic: str):
        """The profile of one country and topic, named by their slugs."""
        return self.filter(country__slug=country, topic__slug=topic)

    def for_links(self):
        """Fetch what a link to a profile needs: country, topic and latest edition, without
        the edition's snapshot (the whole profile)."""
        return self.select_related("country", "topic", "latest_publication").defer(
            "notes", "status_box", "latest_publication__snapshot", "latest_publication__checksum"
        )

    def with_tree(self):
        """Fetch profiles with their sections, claims and citations in a fixed number of queries.

        Citations come in their model's order (claim, position): named here by relation only,
        since the citations app builds on this one."""
        return self.select_related("country", "topic", "topic__treaty").prefetch_related(
            Prefetch(
                "sections",
                queryset=Section.objects.order_by("position").prefetch_related(
                    Prefetch(
                        "claims",
                        queryset=Claim.objects.order_by("position").prefetch_related("citations"),
                    )
                ),
            )
        )


class Profile(models.Model):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="profiles")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="profiles")
    last_updated = models.DateField(
        help_text="The “Last updated” date readers see. Change it when the content is brought up "
        "to date, not for every typo."
    )
    status_box_heading = models.CharField(
        max_length=200,
        blank=True,
        help_text="Older layout only: the heading of the status box, e.g. “Commitment to the "
        "Convention on Cluster Munitions”.",
    )
    status_box = models.JSONField(
        default=list,
        blank=True,
        help_text="Older layout only: the status box rows, as a list of [label, value] pairs.",
    )
    compact_footnotes = models.BooleanField(
        default=False,
        help_text="Older layout: the plain-text export lists footnotes on consecutive lines "
        "rather than separated by blank lines.",
    )
    notes = models.TextField(blank=True, help_text="Internal notes; not shown to the public.")
    latest_publication = models.ForeignKey(
        "Publication",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="The newest edition; the public reads it unless the profile is withdrawn.",
    )
    public_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the profile was last published or withdrawn.",
    )
    withdrawn_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the profile was withdrawn from the public site; empty while public.",
    )

    history = VersionedHistory()
    objects = ProfileQuerySet.as_manager()

    class Meta:
        ordering = ["country__name", "topic__name"]
        verbose_name = "profile"
        verbose_name_plural = "profiles"
        permissions = [("publish_profile", "Can publish and withdraw profiles")]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "topic"], name="profile_unique_country_topic"
            ),
        ]

    def __str__(self):
        return f"{self.country} — {self.topic}"

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None:
            # Only the publishing services change the public state: never write back the
            # values of an instance loaded before a publish or withdrawal.
            current = type(self).objects.filter(pk=self.pk).values(*PUBLIC_STATE_FIELDS).first()
            for name, value in (current or {}).items():
                setattr(self, name, value)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("profiles:profile_detail", args=[self.country.slug, self.topic.slug])

    @property
    def is_public(self) -> bool:
        return self.latest_publication_id is not None and self.withdrawn_at is None

    @property
    def state(self) -> ProfileState:
        """Where the profile stands with the public: read from ProfileQuerySet.with_state()'s
        annotations when the profile was fetched with them, else in one query."""
        if self.pk is None:
            return ProfileState.DRAFT
        if not hasattr(self, "state_code"):
            state = type(self).objects.with_state().filter(pk=self.pk)
            self.state_code, self.edition_number = state.values_list(
                "state_code", "edition_number"
            ).get()
        return ProfileState(self.state_code)

    @property
    def state_label(self) -> str:
        """The state as editors read it: "Draft", "Published edition 2", "Published edition
        2 + unpublished changes" or "Withdrawn"."""
        state = self.state
        if state == ProfileState.PUBLISHED:
            return f"Published edition {self.edition_number}"
        if state == ProfileState.CHANGED:
            return f"Published edition {self.edition_number} + unpublished changes"
        return state.label

    def footnotes(self):
        """Return (number, citation) pairs in reading order; numbers are never stored."""
        number = 0
        for section in self.sections.all():
            for claim in section.claims.all():
                for citation in claim.citations.all():
                    number += 1
                    yield number, citation


class Section(models.Model):
    Kind = SectionKind

    Level = SectionLevel

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(help_text="Order within the profile, from 1.")
    kind = models.CharField(max_length=10, choices=Kind, default=SectionKind.BODY)
    heading = models.CharField(max_length=300, blank=True, help_text="Leave empty for the summary.")
    level = models.PositiveSmallIntegerField(
        choices=Level,
        default=SectionLevel.HEADING,
        help_text="Sub-headings are nested in the section above.",
    )

    history = VersionedHistory()

    class Meta:
        ordering = ["profile", "position"]
        verbose_name = "section"
        verbose_name_plural = "sections"
        constraints = [
            models.UniqueConstraint(fields=["profile", "position"], name="section_unique_position"),
            choices_constraint("kind", SectionKind.choices, name="section_valid_kind"),
            models.CheckConstraint(condition=Q(level__in=[1, 2]), name="section_valid_level"),
        ]

    def __str__(self):
        # Named with its profile: autocomplete and history list sections of many profiles.
        return f"{self.profile}: {self.label_in_parent}"

    def get_absolute_url(self):
        # Publications anchor each section at the slug of its heading (profiles/snapshots.py).
        return f"{self.profile.get_absolute_url()}#{slugify(self.heading or self.kind)}"

    @property
    def label_in_parent(self) -> str:
        """The section's name on its profile's page."""
        return self.heading or self.get_kind_display()


class Claim(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="claims")
    position = models.PositiveIntegerField(help_text="Order within the section, from 1.")
    paragraph = models.PositiveIntegerField(
        default=1, help_text="Claims with the same paragraph number form one paragraph."
    )
    text = models.TextField(help_text="The statement as readers see it, without footnote markers.")
    separator = models.CharField(
        max_length=10,
        blank=True,
        default=" ",
        help_text="The white space between this claim and the one before it in the paragraph.",
    )
    no_citation_needed = models.BooleanField(
        default=False,
        help_text="Tick when this claim needs no source (a summary sentence, say), so it is not "
        "counted as unsourced.",
    )
    text_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="Who last wrote the text; they cannot verify its citations (four eyes).",
    )

    history = VersionedHistory()

    class Meta:
        ordering = ["section", "position"]
        verbose_name = "claim"
        verbose_name_plural = "claims"
        constraints = [
            models.UniqueConstraint(fields=["section", "position"], name="claim_unique_position"),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 80 else f"{self.text[:79]}…"

    def save(self, *args, **kwargs):
        """Save; when the text changes, record who changed it and send the claim's reviewed
        citations back to review."""
        stored = None
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("text", flat=True).first()
        text_changed = stored is None or stored != self.text
        if text_changed:
            self.text_changed_by = acting_user(self)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "text_changed_by"}
        super().save(*args, **kwargs)
        if text_changed and stored is not None:
            for citation in self.citations.exclude(review_state="unreviewed"):
                citation.reset_review(
                    user=acting_user(self), reason="Review reset: the claim's text changed"
                )


class PublicationQuerySet(models.QuerySet):
    def public(self):
        """Editions the public may read: those of profiles that are not withdrawn."""
        return self.filter(public_profile_condition("profile__"))

    def of(self, country: str, topic: str):
        """Editions of the profile of one country and topic, named by their slugs."""
        return self.filter(profile__country__slug=country, profile__topic__slug=topic)

    def for_report(self):
        """Fetch what a report page shows beside the snapshot: the profile, its country and
        topic, and the number and date of its latest edition (latest_number,
        latest_published_at)."""
        return self.select_related("profile__country", "profile__topic").annotate(
            latest_number=F("profile__latest_publication__number"),
            latest_published_at=F("profile__latest_publication__published_at"),
        )


class Publication(models.Model):
    """An immutable, numbered edition of a profile: the whole tree frozen as a snapshot."""

    profile = models.ForeignKey(Profile, on_delete=models.PROTECT, related_name="publications")
    number = models.PositiveIntegerField(help_text="Editions of a profile are numbered from 1.")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="publications",
    )
    last_updated = models.DateField(help_text="The profile's “Last updated” date in this edition.")
    snapshot = models.JSONField(
        help_text="The whole edition as published (its format: docs/json-format.md)."
    )
    checksum = models.CharField(
        max_length=64, help_text="SHA-256 of the snapshot; equal checksums mean equal editions."
    )
    note = models.TextField(
        "edition note",
        blank=True,
        max_length=2000,
        help_text="Optional, public: a sentence or two for readers on what changed in this "
        "edition and why (“Updated for the 2026 Meeting of States Parties”). Shown on the list "
        "of editions and on the edition's page; it is not part of the profile's text.",
    )

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["profile", "-number"]
        verbose_name = "publication"
        verbose_name_plural = "publications"
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["profile", "number"], name="publication_unique_number"),
        ]

    def __str__(self):
        return f"{self.profile}, edition {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A publication is immutable: publish a new edition instead.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "profiles:edition_detail",
            args=[self.profile.country.slug, self.profile.topic.slug, self.number],
        )


class SearchEntryKind(models.TextChoices):
    CLAIM = "claim", "Claim"
    FOOTNOTE = "footnote", "Footnote"


class SearchEntry(models.Model):
    """One claim or footnote of a public profile's latest edition, as the site search reads it.

    The index is derived data, rebuilt from the publication snapshot every time a profile goes
    public (profiles.search.search_index_publication), dropped when it is withdrawn, and
    rebuilt whole by `manage.py rebuild_search_index`. It therefore keeps no history and
    editors never edit it. On PostgreSQL `search_vector` holds the indexed tsvector of
    `normalised` (GIN index, migration 0005); on SQLite it stays empty and the search
    matches words in `normalised`.
    """

    Kind = SearchEntryKind

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="search_entries")
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="search_entries"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    number = models.PositiveIntegerField(
        help_text="The claim's place in the edition (from 1), or the footnote's number."
    )
    anchor = models.CharField(
        max_length=320,
        help_text="Where the passage is on the report page: a section anchor or fn-<number>.",
    )
    heading = models.CharField(
        max_length=300,
        blank=True,
        help_text="The heading of the section the claim is in, or of the first claim citing "
        "the footnote.",
    )
    text = models.TextField(help_text="The passage exactly as published.")
    normalised = models.TextField(
        help_text="The passage's words folded for matching (lower case, no accents), separated "
        "by single spaces, with a space at each end."
    )
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["profile_id", "kind", "number"]
        verbose_name = "search entry"
        verbose_name_plural = "search entries"
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "kind", "number"], name="searchentry_unique_number"
            ),
            choices_constraint("kind", SearchEntryKind.choices, name="searchentry_valid_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}: {self.text[:60]}"

    def get_absolute_url(self):
        return f"{self.profile.get_absolute_url()}#{self.anchor}"


# Readers: update alerts and correction requests.


class SubscriptionQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def following(self, profile: Profile):
        """Confirmed subscriptions that an edition of `profile` concerns: its country's, its
        topic's and everything's."""
        return self.confirmed().filter(
            Q(country__isnull=True, topic__isnull=True)
            | Q(country_id=profile.country_id)
            | Q(topic_id=profile.topic_id)
        )


class Subscription(models.Model):
    """A reader's request to be mailed when a new edition is published: of any profile of a
    country, of a topic, or of everything (neither set). No account: the address is confirmed
    by a signed link (double opt-in) and every mail carries a one-click unsubscribe link.

    Deliberately without history: a reader who unsubscribes, or asks to be forgotten, must
    leave no copy of their address behind (`manage.py forget_email`).
    """

    email = models.EmailField(max_length=254, help_text="Stored in lower case.")
    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the reader followed the confirmation link."
    )
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["email", "id"]
        verbose_name = "alert subscription"
        verbose_name_plural = "alert subscriptions"
        constraints = [
            models.CheckConstraint(
                condition=Q(country__isnull=True) | Q(topic__isnull=True),
                name="subscription_one_scope",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(country__isnull=True, topic__isnull=True),
                name="subscription_unique_everything",
            ),
            models.UniqueConstraint(
                fields=["email", "country"],
                condition=Q(country__isnull=False),
                name="subscription_unique_country",
            ),
            models.UniqueConstraint(
                fields=["email", "topic"],
                condition=Q(topic__isnull=False),
                name="subscription_unique_topic",
            ),
        ]

    def __str__(self):
        return f"{self.email}: {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.country_id:
            return self.country.name
        if self.topic_id:
            return self.topic.name
        return "every profile"


class AlertDelivery(models.Model):
    """One alert mailed: a subscription told of one edition. Its uniqueness is what makes
    `manage.py send_alerts` safe to run twice, or from two servers at once."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = "alert sent"
        verbose_name_plural = "alerts sent"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "publication"], name="alertdelivery_unique"
            ),
        ]

    def __str__(self):
        return f"{self.subscription.email}: {self.publication}"


class CorrectionState(models.TextChoices):
    NEW = "new", "New"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class CorrectionRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=CorrectionState.NEW)


class CorrectionRequest(models.Model):
    """A reader's report of an error in a published profile, for the editors' desk.

    The reader saw an edition, not the working copy: what they pointed at (the edition, the
    footnote number, the claim's text) is kept as they saw it, and `claim` links the working
    copy's claim with that text while it exists.
    """

    State = CorrectionState

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="corrections")
    edition = models.PositiveIntegerField(help_text="The edition the reader was reading.")
    footnote = models.PositiveIntegerField(
        null=True, blank=True, help_text="The note the reader reported, numbered as in the edition."
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="corrections"
    )
    quoted_text = models.TextField(
        blank=True, help_text="The claim or note as the reader saw it in the edition."
    )
    what_is_wrong = models.TextField(max_length=2000)
    source = models.TextField(
        "the reader's source", max_length=2000, blank=True, help_text="What the reader cites."
    )
    email = models.EmailField(
        blank=True, help_text="Optional: the reader's address, only to answer them."
    )
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=CorrectionState, default=CorrectionState.NEW)
    editor_note = models.TextField(
        blank=True, help_text="Internal: what was done about it, and why."
    )

    history = VersionedHistory()
    objects = CorrectionRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "correction request"
        verbose_name_plural = "correction requests"
        constraints = [
            choices_constraint("state", CorrectionState.choices, name="correction_valid_state"),
        ]
        indexes = [models.Index(fields=["state", "-created_at"], name="correction_state_idx")]

    def __str__(self):
        where = f", note {self.footnote}" if self.footnote else ""
        return f"{self.profile} (edition {self.edition}{where})"


# The report cycle: releases of many profiles at once, and who works on each.


class ReleaseState(models.TextChoices):
    PREPARING = "preparing", "Preparing"
    SCHEDULED = "scheduled", "Scheduled"
    LAUNCHED = "launched", "Launched"
    CANCELLED = "cancelled", "Cancelled"


OPEN_RELEASE_STATES = (ReleaseState.PREPARING, ReleaseState.SCHEDULED)


class ReleaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_RELEASE_STATES)

    def due(self, now=None):
        """Scheduled releases whose launch time has come."""
        return self.filter(state=ReleaseState.SCHEDULED, launch_at__lte=now or timezone.now())


class Release(models.Model):
    """A set of profiles updated together for a yearly report and published as one act at its
    launch time ("Cluster Munition Monitor 2017"). Until then, nothing of it is public: its
    profiles cannot be published one by one (the embargo), only taken out of it."""

    State = ReleaseState

    name = models.CharField(max_length=200, unique=True)
    topic = models.ForeignKey(
        Topic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="releases",
        help_text="The topic whose profiles it updates; blank for a hand-picked set.",
    )
    drafting_deadline = models.DateField(help_text="Editors finish their changes by this day.")
    review_deadline = models.DateField(help_text="Fact-checkers finish reviewing by this day.")
    launch_at = models.DateTimeField(
        help_text="When the release is published, every ready profile at once."
    )
    launch_time_zone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="The time zone the launch time is given in (an IANA name such as "
        "Europe/Zurich): where the report is launched.",
    )
    edition_note = models.TextField(
        blank=True,
        max_length=2000,
        help_text="The edition note of every profile published at launch.",
    )
    state = models.CharField(max_length=10, choices=ReleaseState, default=ReleaseState.PREPARING)
    launched_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = VersionedHistory()
    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-launch_at", "name"]
        verbose_name = "release"
        verbose_name_plural = "releases"
        constraints = [
            choices_constraint("state", ReleaseState.choices, name="release_valid_state"),
            models.CheckConstraint(
                condition=Q(review_deadline__gte=F("drafting_deadline")),
                name="release_review_after_drafting",
            ),
        ]
        indexes = [models.Index(fields=["state", "launch_at"], name="release_due_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        try:
            zoneinfo.ZoneInfo(self.launch_time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["launch_time_zone"] = (
                f"“{self.launch_time_zone}” is no time zone: give an IANA name such as "
                "Europe/Zurich."
            )
        if (
            self.drafting_deadline
            and self.review_deadline
            and self.review_deadline < self.drafting_deadline
        ):
            errors["review_deadline"] = "The review deadline cannot come before the drafting one."
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_RELEASE_STATES

    @property
    def launch_local(self) -> datetime.datetime:
        """The launch time in the release's time zone."""
        return timezone.localtime(self.launch_at, zoneinfo.ZoneInfo(self.launch_time_zone))

    @property
    def launch_label(self) -> str:
        """The launch time as editors read it: “10 September 2026, 10:00 (Europe/Zurich)”."""
        local = self.launch_local
        return f"{local.day} {local:%B %Y, %H:%M} ({self.launch_time_zone})"


class ReleaseProgress(models.TextChoices):
    """How far a profile in a release has got (ReleaseProfileQuerySet.with_progress())."""

    NOT_STARTED = "not-started", "Not started"
    DRAFTING = "drafting", "Drafting"
    IN_REVIEW = "in-review", "In review"
    READY = "ready", "Ready"
    BLOCKED = "blocked", "Blocked"


# citations.models.ReviewState's values: the models of this app do not import the citations
# app, which builds on it (tests/profiles/test_releases.py checks they agree).
DISPUTED, UNREVIEWED = "disputed", "unreviewed"


class ReleaseProfileQuerySet(models.QuerySet):
    def with_progress(self, today: datetime.date | None = None):
        """Annotate how far each profile has got, in the same query, whatever their number:
        `changed_at` (its last change since its latest edition, None when there is none),
        `disputed` and `unreviewed` (its citations in those review states),
        `open_threads` (unresolved comment threads), `progress` (a ReleaseProgress),
        `overdue` (drafting, or not started, past the drafting deadline; in review or blocked
        past the review deadline; `today` is the day to compare with) and
        `consistency_acknowledged` (an acknowledgement of the consistency checker's findings
        made since the last change).

        Ready means: drafting marked done, nothing disputed or unreviewed, no unresolved thread.
        The consistency checker reads prose, not SQL: the launch runs it on the ready profiles
        (profiles/releases.py)."""
        today = today or timezone.localdate()
        profile = OuterRef("profile_id")
        latest = Publication.objects.filter(pk=OuterRef(OuterRef("profile__latest_publication_id")))
        since = Coalesce(
            models.Subquery(latest.order_by().values("published_at")), Value(_BEFORE_EVERYTHING)
        )
        last_change = (
            ProfileChangeSet.objects.filter(profile_id=profile, created_at__gt=since)
            .exclude(change_set__action__in=NOT_WORKING_COPY_ACTIONS)
            .order_by("-created_at")
            .values("created_at")[:1]
        )

        def citations_in(state: str):
            counted = (
                Claim.objects.filter(section__profile_id=profile, citations__review_state=state)
                .order_by()
                .values("section__profile_id")
                .annotate(count=models.Count("citations"))
                .values("count")
            )
            return Coalesce(models.Subquery(counted), 0)

        # The state is decided by these semi-joins, not by the counts: each is run once for
        # all rows (a hashed subplan on PostgreSQL), where a count runs once a row (and
        # once more for each expression that reads it). The counts are only computed for
        # the rows shown.
        def with_citations_in(state: str):
            return Q(
                profile_id__in=Claim.objects.filter(citations__review_state=state).values(
                    "section__profile_id"
                )
            )

        comment = Profile.comments.rel.related_model  # citations.Comment
        in_open_thread = Q(
            profile_id__in=comment.objects.filter(
                thread__isnull=True, resolved_at__isnull=True
            ).values("profile_id")
        )
        threads = (
            Profile.objects.filter(pk=profile)
            .order_by()
            .annotate(
                count=models.Count(
                    "comments",
                    filter=Q(comments__thread__isnull=True, comments__resolved_at__isnull=True),
                )
            )
            .values("count")
        )
        P = ReleaseProgress
        return self.annotate(
            changed_at=models.Subquery(last_change),
            disputed=citations_in(DISPUTED),
            unreviewed=citations_in(UNREVIEWED),
            open_threads=Coalesce(models.Subquery(threads), 0),
            progress=models.Case(
                models.When(with_citations_in(DISPUTED), then=Value(P.BLOCKED)),
                models.When(
                    drafted_at__isnull=True, changed_at__isnull=True, then=Value(P.NOT_STARTED)
                ),
                models.When(drafted_at__isnull=True, then=Value(P.DRAFTING)),
                models.When(
                    with_citations_in(UNREVIEWED) | in_open_thread, then=Value(P.IN_REVIEW)
                ),
                default=Value(P.READY),
                output_field=models.CharField(),
            ),
            overdue=models.Case(
                models.When(
                    release__state__in=OPEN_RELEASE_STATES,
                    progress__in=[P.NOT_STARTED, P.DRAFTING],
                    release__drafting_deadline__lt=today,
                    then=Value(True),
                ),
                models.When(
                    release__state__in=OPEN_RELEASE_STATES,
                    progress__in=[P.IN_REVIEW, P.BLOCKED],
                    release__review_deadline__lt=today,
                    then=Value(True),
                ),
                default=Value(False),
                output_field=models.BooleanField(),
            ),
            consistency_acknowledged=models.Case(
                models.When(consistency_acknowledged_at__isnull=True, then=Value(False)),
                models.When(changed_at__isnull=True, then=Value(True)),
                models.When(consistency_acknowledged_at__gte=F("changed_at"), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            ),
        )

    def for_board(self, today: datetime.date | None = None):
        """The profiles of a board, with their progress, country, topic and assignees, in one
        query."""
        return self.with_progress(today).select_related(
            "release", "profile__country", "profile__topic", "editor", "fact_checker"
        )

    def progress_tally(self, today: datetime.date | None = None) -> dict[tuple[str, bool], int]:
        """Count the profiles by (ReleaseProgress, overdue), in one query."""
        # Grouped rather than aggregated with filters: Django compiles a filter on a
        # conditional annotation (Q(overdue=True)) to its bare alias, which the aggregate
        # query does not select.
        rows = (
            self.with_progress(today)
            .order_by()
            .values_list("progress", "overdue")
            .annotate(count=models.Count("pk"))
        )
        return {(progress, overdue): count for progress, overdue, count in rows}

    def progress_counts(self, today: datetime.date | None = None) -> dict[str, int]:
        """Count the profiles in each ReleaseProgress, and the overdue ones (“overdue”), in
        one query."""
        return counts_by_progress(self.progress_tally(today))


def counts_by_progress(tally: dict[tuple[str, bool], int]) -> dict[str, int]:
    """The counts of ReleaseProfileQuerySet.progress_counts() from its progress_tally()."""
    counts = dict.fromkeys([*ReleaseProgress.values, "overdue"], 0)
    for (progress, overdue), count in tally.items():
        counts[progress] += count
        counts["overdue"] += count if overdue else 0
    return counts


class ReleaseProfile(models.Model):
    """A profile in a release, with the editor and the fact-checker assigned to it, and, once
    the release is launched, what became of it."""

    Progress = ReleaseProgress

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="entries")
    profile = models.ForeignKey(Profile, on_delete=models.PROTECT, related_name="release_entries")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who updates the profile (an editor).",
    )
    fact_checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who reviews its citations (a fact-checker).",
    )
    drafted_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the editor said the draft was done and handed it to review.",
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    consistency_acknowledged_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a publisher accepted the consistency checker's findings as they stand; "
        "a later change to the profile needs a new acknowledgement.",
    )
    consistency_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Kept equal to release.is_open (releases.py), so that the database holds a profile to
    # one open release.
    in_open_release = models.BooleanField(default=True, editable=False)
    publication = models.ForeignKey(
        Publication,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="The edition published at launch.",
    )
    outcome = models.CharField(
        max_length=300, blank=True, editable=False, help_text="What happened at launch."
    )

    history = VersionedHistory()
    objects = ReleaseProfileQuerySet.as_manager()

    class Meta:
        ordering = ["release", "profile__country__slug", "profile__topic__slug"]
        verbose_name = "profile in a release"
        verbose_name_plural = "profiles in a release"
        constraints = [
            models.UniqueConstraint(
                fields=["release", "profile"], name="releaseprofile_unique_profile"
            ),
            models.UniqueConstraint(
                fields=["profile"],
                condition=Q(in_open_release=True),
                name="releaseprofile_one_open_release",
            ),
        ]

    def __str__(self):
        return f"{self.profile} in {self.release}"
