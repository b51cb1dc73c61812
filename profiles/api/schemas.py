"""The shapes of the read API's answers, as its OpenAPI document describes them.

Every address is absolute (monitor.site): `url` is the API's own address of a thing and
`page_url` the public page a reader sees. A treaty status nobody has published is "No data":
`status` is null, never "not-party".
"""

import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import create_model

Status = Literal["state-party", "signatory", "not-party"]


class CountryRef(Schema):
    """A link to a country."""

    slug: str = Field(description="The country's address name, as in /countries/<slug>/.")
    name: str = Field(description="The common short name used in reports.")
    url: str = Field(description="The country in this API.")


class TopicRef(Schema):
    """A link to a topic."""

    slug: str = Field(description="The topic's address name.")
    name: str
    url: str = Field(description="The topic in this API.")


class TreatyRef(Schema):
    """A link to a treaty."""

    slug: str = Field(description="The treaty's address name, as in /treaties/<slug>/.")
    name: str
    short_name: str = Field(description="E.g. “CCM”; empty when it has none.")
    url: str = Field(description="The treaty and its status table in this API.")


class StatusFacts(Schema):
    """A published treaty status and its dates; every fact null for “No data”."""

    status: Status | None = Field(
        description="The published status; null when none is published (“No data”), which "
        "never means “not party”."
    )
    status_label: str = Field(description="The status as the site shows it, “No data” if null.")
    signed_on: datetime.date | None
    joined_on: datetime.date | None = Field(description="Ratified, acceded or succeeded on.")
    joined_by: Literal["ratification", "accession", "succession"] | None
    in_force_on: datetime.date | None = Field(description="Entry into force for the country.")
    initial_report_due_on: datetime.date | None = Field(
        description="Initial transparency (Article 7) report due."
    )
    last_report_submitted_on: datetime.date | None = Field(
        description="Last transparency report submitted."
    )


class _Treaty(Schema):
    """The treaty a status is under."""

    treaty: TreatyRef


class CountryTreatyStatus(StatusFacts, _Treaty):
    """A country's published status under one treaty."""


class ProfileLinks(Schema):
    """Where else a profile can be read."""

    report: str = Field(description="The report page of the latest edition.")
    json_export: str = Field(
        alias="json", description="The latest edition as JSON (the snapshot of docs/json-format)."
    )
    txt: str = Field(description="The latest edition in the plain-text format.")
    editions: str = Field(description="Every edition, in this API.")


class LatestEdition(Schema):
    """A profile's latest edition, without its snapshot."""

    number: int = Field(description="Editions are numbered 1, 2, 3… with no gaps.")
    published_at: datetime.datetime
    last_updated: datetime.date = Field(description="The “Last updated” date readers see.")
    url: str = Field(description="The edition's snapshot in this API.")


class ProfileRef(Schema):
    """A link to a published profile."""

    country: CountryRef
    topic: TopicRef
    url: str = Field(description="The profile in this API.")
    report: str = Field(description="The report page of its latest edition.")


class ProfileOut(ProfileRef):
    """A published profile: one country's report on one topic, at its latest edition."""

    latest_edition: LatestEdition
    links: ProfileLinks


class CountryOut(Schema):
    """A country (or other area) the Monitor reports on, with its published treaty statuses."""

    slug: str
    name: str
    official_name: str = Field(description="The full name; empty when not recorded.")
    iso3: str | None = Field(description="ISO 3166 alpha-3; null for areas without one.")
    region: str | None = Field(description="The region's code, e.g. “africa”.")
    region_label: str | None
    url: str = Field(description="The country in this API.")
    page_url: str = Field(description="The country's public page.")
    treaty_statuses: list[CountryTreatyStatus] = Field(
        description="One entry for every treaty the Monitor follows."
    )
    profiles: list[ProfileRef] = Field(description="The country's published profiles.")


class TopicOut(Schema):
    """A topic with at least one published profile."""

    slug: str
    name: str
    description: str
    treaty: TreatyRef | None = Field(description="The treaty its profiles report on, if any.")
    profile_count: int = Field(description="How many published profiles it has.")
    url: str = Field(description="The topic in this API.")
    profiles_url: str = Field(description="Its profiles in this API.")


class TopicDetail(TopicOut):
    """A topic with its published profiles."""

    profiles: list[ProfileOut] = Field(description="Every published profile of the topic.")


class EditionOut(Schema):
    """One edition of a profile, without its snapshot (follow `url` for it)."""

    number: int
    published_at: datetime.datetime
    last_updated: datetime.date
    note: str = Field(description="The edition note: what changed and why; may be empty.")
    url: str = Field(description="The edition's snapshot in this API.")
    page_url: str = Field(description="The edition's report page.")
    comparison_url: str | None = Field(
        description="The page comparing it with the edition before (null for the first)."
    )


class TreatyOut(Schema):
    """A treaty the Monitor follows, with its counts."""

    slug: str
    name: str
    short_name: str
    adopted_on: datetime.date | None
    entry_into_force_on: datetime.date | None
    state_party_count: int = Field(description="Countries published as states parties.")
    signatory_count: int = Field(description="Countries published as signatories.")
    url: str = Field(description="The treaty and its status table in this API.")
    page_url: str = Field(description="The treaty's public page.")
    csv_url: str = Field(description="The status table as CSV.")


class _Country(Schema):
    """The country a row is about."""

    country: CountryRef
    iso3: str | None
    region: str | None
    region_label: str | None


class StatusRow(StatusFacts, _Country):
    """One country's row of a treaty's status table."""


class TreatyDetail(TreatyOut):
    """A treaty with its status table."""

    count: int = Field(description="How many rows the table has, after the filters.")
    statuses: list[StatusRow] = Field(
        description="Every listed country, as the treaty page and CSV show it, sorted as asked."
    )


class Segment(Schema):
    """A piece of a passage, matching the search or not."""

    text: str
    match: bool = Field(description="Whether this piece matched the search.")


class Passage(Schema):
    """A claim or footnote that matches a search."""

    kind: Literal["claim", "footnote"]
    number: int = Field(description="The claim's place in the edition, or the footnote number.")
    heading: str = Field(description="The heading of the section it is in.")
    text: str = Field(description="The passage, or an excerpt around its first match (…).")
    segments: list[Segment] = Field(description="The same text, split at the matches.")
    page_url: str = Field(description="The passage on the report page.")


class SearchHit(Schema):
    """A profile that matches a search, with its best passages."""

    profile: ProfileRef
    hits: int = Field(description="How many passages of the profile match.")
    passages: list[Passage] = Field(description="Its best passages (up to five).")


class Index(Schema):
    """The API's entry point: links to everything else."""

    name: str
    version: str
    docs: str = Field(description="The API's documentation, for people.")
    openapi: str = Field(description="The OpenAPI document.")
    countries: str
    topics: str
    profiles: str
    treaties: str
    search: str = Field(description="Search: add ?q=<words>.")


class Error(Schema):
    """An error: 404, 405, 422 or 500."""

    detail: str | list[dict] = Field(
        description="What went wrong; for invalid parameters, a list naming each one (`loc`)."
    )


class PageOf(Schema):
    """The envelope of a page of results."""

    count: int = Field(description="How many results there are on every page together.")
    page: int = Field(description="This page's number, from 1.")
    pages: int = Field(description="How many pages there are.")
    next: str | None = Field(description="The next page, or null on the last.")
    previous: str | None = Field(description="The previous page, or null on the first.")


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """A page of `item`s: the envelope every list of the API shares."""
    return create_model(
        name,
        __base__=PageOf,
        __doc__=f"A page of {item.__name__} results.",
        results=(list[item], Field(description="This page's results.")),
    )


CountryPage = page_schema(CountryOut, "CountryPage")
TopicPage = page_schema(TopicOut, "TopicPage")
ProfilePage = page_schema(ProfileOut, "ProfilePage")
EditionPage = page_schema(EditionOut, "EditionPage")
TreatyPage = page_schema(TreatyOut, "TreatyPage")


class SearchPage(page_schema(SearchHit, "SearchHitPage")):
    """A page of search results: profiles, best first."""

    query: str = Field(description="The search as run: cleaned, and cut when too long.")
    truncated: bool = Field(description="Whether the search was cut to 200 characters.")


class Snapshot(Schema):
    """An edition exactly as published: the JSON snapshot documented in docs/json-format.md,
    the same bytes as the public /countries/<country>/<topic>.json export of that edition,
    with an `edition` key."""

    model_config = {"extra": "allow"}

    format: int = Field(description="The snapshot format's version.")
    country: dict
    topic: dict
    treaty: dict | None
    treaty_status: dict | None
    last_updated: datetime.date
    sections: list[dict]
    footnotes: list[dict]
    edition: dict = Field(description="The edition's number, published_at and public url.")
