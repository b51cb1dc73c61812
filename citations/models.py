from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q
from django.db.models.functions import Coalesce

from citations.sources import source_digest
from history.models import VersionedHistory, acting_user
from history.writer import record_as
from profiles.models import Claim, choices_constraint


class SourceKind(models.TextChoices):
    STATEMENT = "statement", "Statement"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    INTERVIEW = "interview", "Interview"
    TREATY_REPORT = "treaty-report", "Treaty report"
    RESOLUTION = "resolution", "Resolution"
    PUBLICATION = "publication", "Publication"
    NEWS = "news", "News article"
    WEB_PAGE = "web-page", "Web page"
    OTHER = "other", "Other"


class ReviewState(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    VERIFIED = "verified", "Verified"
    DISPUTED = "disputed", "Disputed"
    SOURCE_UNAVAILABLE = "source-unavailable", "Source unavailable"


# The fields a fact-checker writes; everything else on a citation is the editors'.
REVIEW_FIELDS = ("review_state", "reviewed_by", "reviewed_at", "review_note")
REVIEW_FIELDS_COLUMNS = ("review_state", "reviewed_by_id", "reviewed_at", "review_note")
# How the history record that sends a citation back to review begins (profiles.models.Claim
# writes "Review reset: the claim's text changed"); citations.review_history reads it back.
REVIEW_RESET = "Review reset"


class Source(models.Model):
    Kind = SourceKind

    kind = models.CharField(max_length=20, choices=Kind, default=SourceKind.OTHER)
    author = models.CharField(
        max_length=300, blank=True, help_text="Who spoke or wrote: a person, or a state (“Mali”)."
    )
    organisation = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=500, blank=True)
    event = models.CharField(
        max_length=500, blank=True, help_text="E.g. “Fourth Meeting of States Parties”."
    )
    place = models.CharField(max_length=200, blank=True)
    date = models.DateField(null=True, blank=True)
    pages = models.CharField(max_length=100, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    url = models.URLField("URL", max_length=1000, blank=True)
    archived_url = models.URLField("archived URL", max_length=1000, blank=True)
    accessed_on = models.DateField(null=True, blank=True)
    notes_by = models.CharField(
        "notes by", max_length=300, blank=True, help_text="Who took notes, e.g. “the CMC”."
    )
    key = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Computed from the kind, who, what and date on every save; the importer "
        "recognises this source in other footnotes by it.",
    )

    # The key is derived from the other fields: its changes would only repeat theirs.
    history = VersionedHistory(excluded_fields=["key"])

    class Meta:
        ordering = ["-date", "title"]
        verbose_name = "source"
        verbose_name_plural = "sources"
        constraints = [choices_constraint("kind", SourceKind.choices, name="source_valid_kind")]
        indexes = [models.Index(fields=["key"], name="source_key_idx")]

    def __str__(self):
        parts = [
            self.get_kind_display(),
            self.author or self.organisation,
            self.title or self.event,
        ]
        text = ", ".join(part for part in parts if part)
        return f"{text} ({self.date:%d %B %Y})" if self.date else text

    def save(self, *args, **kwargs):
        """Save, keeping the key in step with the fields it is computed from."""
        self.key = source_digest(self)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "key"}
        super().save(*args, **kwargs)


class CitationQuerySet(models.QuerySet):
    def counts_by_profile(self):
        """Count these citations by profile, one row a profile, as dictionaries: `profile_id`,
        `country` and `topic` (names), `citations`, `unreviewed` and `disputed`."""
        profile = "claim__section__profile"
        return (
            self.order_by()
            .values(
                profile_id=F(profile),
                country=F(f"{profile}__country__name"),
                topic=F(f"{profile}__topic__name"),
            )
            .annotate(
                citations=Count("pk"),
                unreviewed=Count("pk", filter=Q(review_state=ReviewState.UNREVIEWED)),
                disputed=Count("pk", filter=Q(review_state=ReviewState.DISPUTED)),
            )
        )

    def count_in_profile(self, profile=None):
        """A subquery counting these citations within `profile` (an expression; by default
        the outer query's profile), 0 when there are none: to annotate profiles."""
        profile = OuterRef("pk") if profile is None else profile
        counted = (
            self.filter(claim__section__profile=profile)
            .order_by()
            .values("claim__section__profile")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return Coalesce(models.Subquery(counted), 0)


class Citation(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    position = models.PositiveIntegerField(help_text="Order among the claim's footnotes, from 1.")
    text = models.TextField(help_text="The footnote exactly as readers see it.")
    marker_spacing = models.CharField(
        max_length=10,
        blank=True,
        default="",
        help_text="The white space before this footnote's marker in the text.",
    )
    sources = models.ManyToManyField(Source, through="CitationSource", related_name="citations")
    review_state = models.CharField(
        max_length=20, choices=ReviewState, default=ReviewState.UNREVIEWED, editable=False
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_note = models.TextField(blank=True, editable=False)
    text_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="Who last wrote the footnote; they cannot verify it (four eyes).",
    )

    history = VersionedHistory()
    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "position"]
        verbose_name = "citation"
        verbose_name_plural = "citations"
        permissions = [("review_citation", "Can review citations (fact-check)")]
        # The disputes page and the review queue's state filters (a disputed-rows query at
        # full scale: a scan of 83,000 citations 10.5 ms, by this index 3.9 ms).
        indexes = [models.Index(fields=["review_state"], name="citation_review_state_idx")]
        constraints = [
            models.UniqueConstraint(fields=["claim", "position"], name="citation_unique_position"),
            choices_constraint(
                "review_state", ReviewState.choices, name="citation_valid_review_state"
            ),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 80 else f"{self.text[:79]}…"

    def save(self, *args, **kwargs):
        """Save the editors' fields. Review fields are written only by citation_review (which
        names them in update_fields), never from an instance loaded before a review; when
        the footnote's text changes, the citation goes back to review."""
        update_fields = kwargs.get("update_fields")
        if self._state.adding:
            self.text_changed_by = acting_user(self)
            super().save(*args, **kwargs)
            return
        if update_fields is not None and set(update_fields) <= set(REVIEW_FIELDS):
            super().save(*args, **kwargs)
            return
        stored = (
            type(self).objects.filter(pk=self.pk).values("text", *REVIEW_FIELDS_COLUMNS).first()
        )
        if stored is not None:
            for column in REVIEW_FIELDS_COLUMNS:
                setattr(self, column, stored[column])
            if stored["text"] != self.text:
                self.text_changed_by = acting_user(self)
                if self.review_state != ReviewState.UNREVIEWED:
                    self._clear_review()
                    self._change_reason = f"{REVIEW_RESET}: the footnote's text changed"
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *REVIEW_FIELDS, "text_changed_by"}
        super().save(*args, **kwargs)

    def reset_review(self, *, user=None, reason: str) -> None:
        """Send this citation back to review, with the reason in its history."""
        self._clear_review()
        record_as(self, user=user, reason=reason)
        super().save(update_fields=REVIEW_FIELDS)

    def _clear_review(self) -> None:
        self.review_state = ReviewState.UNREVIEWED
        self.reviewed_by = None
        self.reviewed_at = None
        self.review_note = ""


class CitationSource(models.Model):
    citation = models.ForeignKey(Citation, on_delete=models.CASCADE, related_name="source_links")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citation_links")
    position = models.PositiveIntegerField(help_text="Order among the footnote's sources, from 1.")
    pinpoint = models.CharField(
        max_length=100, blank=True, help_text="The exact place cited, e.g. “pp. 115–116”."
    )

    history = VersionedHistory()

    class Meta:
        ordering = ["citation", "position"]
        verbose_name = "citation source"
        verbose_name_plural = "citation sources"
        constraints = [
            models.UniqueConstraint(
                fields=["citation", "position"], name="citationsource_unique_position"
            ),
        ]

    def __str__(self):
        return f"{self.source}{f', {self.pinpoint}' if self.pinpoint else ''}"


class CommentQuerySet(models.QuerySet):
    def threads(self):
        """The first comment of each thread (replies hang from it)."""
        return self.filter(thread__isnull=True)

    def unresolved(self):
        """The threads no one has resolved (or that were reopened)."""
        return self.threads().filter(resolved_at__isnull=True)

    def counts_by_subject(self):
        """Count these comments' threads by what they are about, one row a claim or a
        footnote, as dictionaries: `claim`, `citation` (None for the claim itself), `open`
        (unresolved threads) and `threads` (all of them)."""
        return (
            self.threads()
            .order_by()
            .values("claim", "citation")
            .annotate(
                open=Count("pk", filter=Q(resolved_at__isnull=True)),
                threads=Count("pk"),
            )
        )

    def open_by_profile(self):
        """Count unresolved threads by profile, one row a profile with any: `profile` and
        `open_threads` (for role homes and the progress board)."""
        return self.unresolved().order_by().values("profile").annotate(open_threads=Count("pk"))

    def open_in_profile(self, profile=None):
        """A subquery counting unresolved threads within `profile` (an expression; by
        default the outer query's profile), 0 when there are none: to annotate profiles."""
        profile = OuterRef("pk") if profile is None else profile
        counted = (
            self.unresolved()
            .filter(profile=profile)
            .order_by()
            .values("profile")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return Coalesce(models.Subquery(counted), 0)


class Comment(models.Model):
    """Editors' and fact-checkers' conversation about a claim or a footnote: a thread is its
    first comment, replies point to it, and resolving the first resolves the thread.

    Internal: never public, never in a snapshot, export or the API. `profile` is the claim's
    profile, kept so that a profile's open threads are counted without walking its tree.
    """

    profile = models.ForeignKey(
        "profiles.Profile", on_delete=models.CASCADE, related_name="comments"
    )
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="comments")
    citation = models.ForeignKey(
        Citation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        help_text="The footnote the thread is about; blank for the claim itself.",
    )
    thread = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        help_text="The thread's first comment; blank for a first comment.",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    history = VersionedHistory()
    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "comment"
        verbose_name_plural = "comments"
        indexes = [
            models.Index(
                fields=["profile"],
                condition=Q(thread__isnull=True, resolved_at__isnull=True),
                name="comment_open_threads_idx",
            ),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 80 else f"{self.text[:79]}…"
