"""Synthetic demo data at the scale of a real monitoring group, for benchmarks
(`manage.py generate_demo_data`).

On an empty, freshly migrated database, `demo_data_generate()` writes, in one transaction:

- staff users for each role ("demo-editor-1"…, with unusable passwords), the topics beyond the
  two the migrations create, and the status of every country under every treaty;
- a profile for each country and topic. The first country's profile on the first topic is the
  largest, with the claims and sections asked for; the others are smaller, drawn from a skewed
  distribution. Claims, footnotes and sources are written in the Monitor's style from
  random.Random(seed), so one seed always gives the same text;
- numbered editions of every profile but a few drafts: the latest built from the working copy
  as publishing builds it (profiles.snapshots), the earlier ones plausible earlier states of it
  (fewer claims, older wording, older dates); the profiles' public state, the search index of
  the latest editions, and one withdrawn profile;
- history. Every row gets its creation record, in one import change set dated before the first
  edition; the largest profile also gets years of later edits (claims reworded, footnotes
  corrected, citations reviewed, sections renamed, pinpoints changed) in change sets of a few
  records, whose last records hold the working copy's values, then its publication.

The timeline: the import is (editions + 1) years ago, edition n of a topic's profiles is
published n years after it, so the latest edition is under a year old, and the largest
profile's edits fall between the import and its latest edition.

Rows are inserted in bulk with their history records (simple-history's bulk helpers); the
only rows written without a helper are the intermediate history records of the largest
profile, which are history themselves.
"""

from __future__ import annotations

import datetime
import math
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models import Value
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from citations.models import Citation, CitationSource, ReviewState, Source, SourceKind
from citations.sources import MONTHS, source_digest
from profiles.models import (
    ChangeSet,
    Claim,
    Country,
    Profile,
    Publication,
    SearchEntry,
    Section,
    SectionKind,
    SectionLevel,
    Topic,
    Treaty,
    TreatyStatus,
)
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from profiles.search import search_index_publication
from profiles.services import profile_withdraw
from profiles.snapshots import build_snapshot, snapshot_checksum
from profiles.timeline import history_model, tracked_fields
from profiles.timeline_index import link_profiles

# Rows a bulk insert writes per statement (SQLite's backend lowers it to fit its parameters).
BATCH_SIZE = 1000
# Profiles whose trees are generated and inserted together (to bound memory), and whose
# editions are built together (so that with_tree()'s IN lists stay well under SQLite's limit
# of 32,766 parameters: other profiles than the largest have at most 200 claims or so).
TREE_CHUNK = 200
EDITION_CHUNK = 50

YEAR = datetime.timedelta(days=365)
IMPORT_REASON = "Imported the demo data (generate_demo_data)"
EDIT_REASON = "Edited in the admin"


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


# Topics ---------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """Read a list written one item a line."""
    return [line.strip() for line in text.strip().splitlines() if line.strip()]


def _words(text: str) -> list[str]:
    return text.split()


def _table(text: str) -> list[tuple[str, ...]]:
    """Read a table written one row a line, its cells separated by " | "."""
    return [tuple(cell.strip() for cell in line.split(" | ")) for line in _lines(text)]


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    slug: str
    treaty: str  # the slug of the treaty whose status its profiles report, or ""
    family: str  # the headings and sentences its profiles use (HEADINGS, SENTENCES)
    weapon: str
    description: str = ""


CCM, MBT, CCW = (
    "convention-on-cluster-munitions",
    "mine-ban-treaty",
    "convention-on-certain-conventional-weapons",
)
# The first two are created by the migrations (and keep their descriptions); the order decides
# which --topics takes. Name | slug | treaty | family | weapon | description ("-": none).
DEMO_TOPICS = [
    TopicSpec(*("" if cell == "-" else cell for cell in row))
    for row in _table(
        f"""
Cluster Munition Ban Policy | cluster-munition-ban-policy | {CCM} | ban | cluster munitions | -
Mine Ban Policy | mine-ban-policy | {MBT} | ban | antipersonnel mines | -
Cluster Munition Impact | cluster-munition-impact | {CCM} | impact | cluster munition remnants | Contamination by cluster munition remnants, survey, clearance and risk education.
Mine Action | mine-action | {MBT} | impact | landmines | Each country's mine action program: contamination, land release, planning and deadlines.
Casualties | casualties | - | casualties | mines and explosive remnants of war | People killed and injured by mines and explosive remnants of war, year by year.
Victim Assistance | victim-assistance | {MBT} | victims | landmines | Medical care, rehabilitation and inclusion of survivors and affected communities.
Support for Mine Action | support-for-mine-action | - | support | landmines | International and national funding for mine action, by donor and recipient.
Landmine Impact | landmine-impact | {MBT} | impact | antipersonnel mines | The humanitarian and development impact of landmine contamination.
Explosive Weapons in Populated Areas | explosive-weapons-in-populated-areas | - | ewipa | explosive weapons | Each country's policy on the use of explosive weapons in towns and cities.
Incendiary Weapons Policy | incendiary-weapons-policy | {CCW} | ccw | incendiary weapons | Each country's position on Protocol III of the Convention on Conventional Weapons.
Cluster Munition Casualties | cluster-munition-casualties | {CCM} | casualties | cluster munitions | People killed and injured by cluster munition attacks and remnants.
Explosive Ordnance Risk Education | explosive-ordnance-risk-education | - | impact | explosive ordnance | How people in contaminated areas learn to recognise and avoid explosive items.
"""  # noqa: E501
    )
]

# Each treaty as sentences name it ("the …") and as meeting names start ("… Meeting").
TREATY_NAMES = {
    CCM: ("the Convention on Cluster Munitions", "Convention on Cluster Munitions"),
    MBT: ("the Mine Ban Treaty", "Mine Ban Treaty"),
    CCW: ("the Convention on Conventional Weapons", "Convention on Conventional Weapons"),
}
DEFAULT_TREATY = MBT


# Words ----------------------------------------------------------------------------------------

# The meetings statements are made at: treaty (or "-") | event | place | first day.
MEETING_ROWS = _table(
    f"""
{CCM} | Convention on Cluster Munitions First Meeting of States Parties | Vientiane | 2010-11-09
{CCM} | Convention on Cluster Munitions Second Meeting of States Parties | Beirut | 2011-09-12
{CCM} | Convention on Cluster Munitions Third Meeting of States Parties | Oslo | 2012-09-11
{CCM} | Convention on Cluster Munitions Fourth Meeting of States Parties | Lusaka | 2013-09-10
{CCM} | Convention on Cluster Munitions Fifth Meeting of States Parties | San José | 2014-09-02
{CCM} | Convention on Cluster Munitions First Review Conference | Dubrovnik | 2015-09-07
{CCM} | Convention on Cluster Munitions Sixth Meeting of States Parties | Geneva | 2016-09-05
{CCM} | Convention on Cluster Munitions Eighth Meeting of States Parties | Geneva | 2018-09-03
{CCM} | Convention on Cluster Munitions Second Review Conference | Geneva | 2021-09-20
{CCM} | Convention on Cluster Munitions Eleventh Meeting of States Parties | Geneva | 2023-09-11
{CCM} | Convention on Cluster Munitions Intersessional Meetings | Geneva | 2011-06-27
{CCM} | Convention on Cluster Munitions Intersessional Meetings | Geneva | 2012-04-16
{CCM} | Dublin Diplomatic Conference on Cluster Munitions | Dublin | 2008-05-19
{CCM} | Kampala Conference on a Cluster Munitions Free Africa | Kampala | 2008-09-30
{CCM} | Lomé Regional Seminar on the Universalization of the Convention on Cluster Munitions | Lomé, Togo | 2013-05-22
{MBT} | Mine Ban Treaty First Meeting of States Parties | Maputo | 1999-05-03
{MBT} | Mine Ban Treaty Third Meeting of States Parties | Managua | 2001-09-18
{MBT} | Mine Ban Treaty Fifth Meeting of States Parties | Bangkok | 2003-09-15
{MBT} | Mine Ban Treaty First Review Conference | Nairobi | 2004-11-29
{MBT} | Mine Ban Treaty Sixth Meeting of States Parties | Zagreb | 2005-11-28
{MBT} | Mine Ban Treaty Eighth Meeting of States Parties | the Dead Sea | 2007-11-18
{MBT} | Mine Ban Treaty Second Review Conference | Cartagena | 2009-11-30
{MBT} | Mine Ban Treaty Eleventh Meeting of States Parties | Phnom Penh | 2011-11-28
{MBT} | Mine Ban Treaty Twelfth Meeting of States Parties | Geneva | 2012-12-03
{MBT} | Mine Ban Treaty Third Review Conference | Maputo | 2014-06-23
{MBT} | Mine Ban Treaty Fifteenth Meeting of States Parties | Santiago | 2016-11-28
{MBT} | Mine Ban Treaty Sixteenth Meeting of States Parties | Vienna | 2017-12-18
{MBT} | Mine Ban Treaty Fourth Review Conference | Oslo | 2019-11-25
{MBT} | Mine Ban Treaty Nineteenth Meeting of States Parties | The Hague | 2021-11-15
{MBT} | Mine Ban Treaty Intersessional Meetings | Geneva | 2023-06-20
{MBT} | Mine Ban Treaty Fifth Review Conference | Siem Reap | 2024-11-25
{CCW} | Convention on Conventional Weapons Meeting of High Contracting Parties | Geneva | 2009-11-12
{CCW} | Convention on Conventional Weapons Meeting of High Contracting Parties | Geneva | 2013-11-14
{CCW} | Convention on Conventional Weapons Fifth Review Conference | Geneva | 2016-12-12
{CCW} | Convention on Conventional Weapons Meeting of High Contracting Parties | Geneva | 2019-11-13
{CCW} | Convention on Conventional Weapons Sixth Review Conference | Geneva | 2021-12-13
{CCW} | Convention on Conventional Weapons Meeting of High Contracting Parties | Geneva | 2023-11-15
- | UN General Assembly First Committee on Disarmament and International Security | New York | 2012-10-22
- | UN General Assembly First Committee on Disarmament and International Security | New York | 2016-10-17
- | UN General Assembly First Committee on Disarmament and International Security | New York | 2022-10-20
- | Vienna Conference on Protecting Civilians in Urban Warfare | Vienna | 2019-10-01
- | Dublin Conference on the Political Declaration on Explosive Weapons in Populated Areas | Dublin | 2022-11-18
- | Oslo Conference on Protecting Civilians in Urban Warfare | Oslo | 2024-04-22
"""  # noqa: E501
)
MEETINGS = {
    treaty: [(event, place, _day(day)) for key, event, place, day in MEETING_ROWS if key == treaty]
    for treaty in (CCM, MBT, CCW, "-")
}
OTHER_MEETINGS = MEETINGS.pop("-")

NOTES_TAKERS = _lines(
    """
    the CMC
    the ICBL
    the ICBL-CMC
    AOAV
    Action on Armed Violence (AOAV)
    Human Rights Watch
    Mines Action Canada
    Landmine Action
    the Monitor
    """
)
ORGANISATIONS = _lines(
    """
    the HALO Trust
    Mines Advisory Group (MAG)
    Norwegian People's Aid (NPA)
    DanChurchAid
    Humanity & Inclusion
    the Swiss Foundation for Mine Action (FSD)
    the International Committee of the Red Cross (ICRC)
    the UN Mine Action Service (UNMAS)
    the Geneva International Centre for Humanitarian Demining (GICHD)
    the UN Development Programme (UNDP)
    the Danish Refugee Council
    APOPO
    Handicap International
    """
)
MINISTRIES = _lines(
    """
    Ministry of Foreign Affairs
    Ministry of Defense
    Ministry of Social Affairs
    Ministry of Health
    Ministry of Interior
    Office of the Prime Minister
    """
)
AUTHORITIES = _lines(
    """
    National Mine Action Authority
    National Demining Commission
    Mine Action Center
    National Committee for Demining and Humanitarian Assistance
    """
)
REGIONS = _lines(
    """
    the northern provinces
    the border areas
    the south of the country
    the eastern districts
    the central highlands
    former front-line areas
    the coastal plain
    the mountainous west
    agricultural land near the capital
    the river valleys
    """
)
CONFLICTS = ["Syria", "Ukraine", "Yemen", "Libya", "South Sudan", "Sudan", "Myanmar"]
RECIPIENTS = ["Afghanistan", "Angola", "Bosnia and Herzegovina", "Cambodia", "Colombia", "Iraq"]
RECIPIENTS += ["Lao PDR", "Lebanon", "Sri Lanka", "Ukraine", "Viet Nam", "Zimbabwe"]
FIRST_NAMES = _words(
    """
    Amadou Tomas Nadia Samir Elena Kwame Mariam Ivan Lucía Thanh Aisha Jonas Farida Pablo Leila
    Sophie Hamid Grace Dmitri Ana Kofi Yuki Omar Ingrid Ravi Zainab Mateo Hana Sibusiso Chantal
    """
)
SURNAMES = _words(
    """
    Maiga Greave Haddad Petrova Mensah Okafor Novak Herrera Nguyen Rahman Lindqvist Diallo
    Castillo Karimi Dubois Mwangi Sokolov Silva Tanaka Hussein Johansen Sharma Bangura Moreno
    Kim Nkosi Lefebvre Ortiz Abdi Kovač
    """
)
POSITIONS = _lines(
    """
    Counsellor
    First Secretary
    Director
    Legal Adviser
    Program Manager
    Head of Operations
    Deputy Minister
    Country Director
    """
)
OUTLETS = _lines(
    """
    Reuters
    Agence France-Presse
    Associated Press
    BBC News
    Al Jazeera
    The Guardian
    Deutsche Welle
    Xinhua
    """
)
HEADLINES = _lines(
    """
    {country} to destroy its {weapon} stockpile
    Deminers clear last minefield in {country}
    {country} joins treaty banning {weapon}
    Children killed by unexploded bomb in {country}
    UN calls for an end to the use of {weapon}
    Donors pledge new funds for clearance in {country}
    New evidence of {weapon} use emerges
    """
)
# Organisation | title | address.
WEB_PAGES = _table(
    """
    Convention on Cluster Munitions Implementation Support Unit | States Parties and Signatories | https://www.clusterconvention.org/states-parties/
    Anti-Personnel Mine Ban Convention Implementation Support Unit | Article 7 transparency reports | https://www.apminebanconvention.org/en/transparency-reports/
    UN Mine Action Service | Where we work | https://www.unmas.org/en/where-we-work
    The HALO Trust | Where we work | https://www.halotrust.org/where-we-work/
    Mines Advisory Group | Our work | https://www.maginternational.org/what-we-do/
    UN Office for Disarmament Affairs | CCW Protocol III | https://disarmament.unoda.org/ccw/
    ReliefWeb | Mine action updates | https://reliefweb.int/topics/mine-action
    Explosive Weapons Monitor | Annual report | https://www.explosiveweaponsmonitor.org/
    """  # noqa: E501
)
# Author | title | place | publisher | month.
PUBLICATIONS = _table(
    """
    Human Rights Watch and Landmine Action | Banning Cluster Munitions: Government Policy and Practice | Ottawa | Mines Action Canada | 2009-05-01
    Handicap International | Circle of Impact: The Fatal Footprint of Cluster Munitions on People and Communities | Brussels | Handicap International | 2007-05-01
    Human Rights Watch | Meeting the Challenge: Protecting Civilians through the Convention on Cluster Munitions | New York | Human Rights Watch | 2010-11-01
    GICHD | A Guide to Mine Action | Geneva | GICHD | 2014-03-01
    """  # noqa: E501
)
PUBLICATIONS += [
    ("ICBL", f"Landmine Monitor Report {year}", "Ottawa", "Mines Action Canada", f"{year}-11-01")
    for year in range(1999, 2010)
]
PUBLICATIONS += [
    ("ICBL-CMC", f"{title} {year}", "Geneva", "ICBL-CMC", f"{year}-{month}-01")
    for year in range(2010, 2025)
    for title, month in (("Landmine Monitor", "11"), ("Cluster Munition Monitor", "09"))
]
RESOLUTIONS = _lines(
    """
    Implementation of the Convention on Cluster Munitions
    Implementation of the Convention on the Prohibition of the Use, Stockpiling, Production and Transfer of Anti-Personnel Mines and on Their Destruction
    Convention on Prohibitions or Restrictions on the Use of Certain Conventional Weapons
    Assistance in mine action
    """  # noqa: E501
)
COMMENTARY = _lines(
    """
    {country} first raised the issue in {year}.
    The statement also announced a review of existing legislation, not begun as of {month_year}.
    The figures were confirmed by {org} in {month_year}.
    The Monitor has been unable to confirm this information independently.
    In {year}, {country} repeated this position in a letter to the Monitor.
    """
)
UNAVAILABLE_NOTES = _lines(
    """
    The notes of this meeting are not in the Monitor's archive.
    The web page no longer exists and no archived copy was found.
    The email was not forwarded to the fact-checking team.
    """
)
DISPUTED_NOTES = _lines(
    """
    The date in the footnote does not match the source.
    The source says the opposite: the stockpile was not destroyed.
    """
)
VERIFIED_NOTES = ["", "", "", "Checked against the notes.", "Matches the report, Form B."]


# Sections and sentences, by topic family -------------------------------------------------------

# Body headings in reading order; a "|" before one makes it a sub-heading.
HEADINGS = {
    "ban": """
        Policy
        Use
        Production and transfer
        Stockpiling
        Stockpile destruction
        Retention
        Transparency reporting
        National implementation legislation
        Interpretive issues
        |  Interoperability and transit
        |  Foreign stockpiling
        |  Disinvestment
        International cooperation
        Participation in meetings
        Universalization
        Use allegations
        Voting record at the UN General Assembly
        Compliance
        Convention on Conventional Weapons
        """,
    "impact": """
        Contamination
        Extent of contamination
        Land release
        |  Survey
        |  Clearance
        Deadline for clearance
        Program management
        Strategic planning
        Legislation and standards
        Quality management
        Information management
        Operators
        Risk education
        Gender and diversity
        Environmental policies and action
        Capacity building
        National ownership
        Funding
        Residual contamination
        """,
    "casualties": """
        Casualties
        Casualties in the past year
        Casualties by age and sex
        Casualties among deminers
        Improvised mines
        Historical casualties
        Data collection
        Civilian casualties
        Incidents
        """,
    "victims": """
        Victim assistance
        Coordination
        Needs assessment
        Medical care
        Rehabilitation
        Psychological support
        Economic inclusion
        Education
        Laws and policies
        Accessibility
        Survivor networks
        Inclusion and participation
        """,
    "support": """
        Support for mine action
        International contributions
        National funding
        Summary of contributions
        Funding by thematic sector
        Trends in support
        Recipients
        In-kind assistance
        Coordination of support
        """,
    "ewipa": """
        Policy
        Political Declaration
        Use of explosive weapons
        Civilian harm
        Military policy and practice
        Humanitarian access
        Statements
        Participation in meetings
        """,
    "ccw": """
        Policy
        Protocol III
        Use
        Production and transfer
        Stockpiling
        Statements at CCW meetings
        National legislation
        Interpretive issues
        Military doctrine
        """,
}
# An editor renames a section to its other name, or back.
HEADING_VARIANTS = {
    "Policy": "Policy and practice",
    "Use": "Use and allegations of use",
    "Production and transfer": "Production, transfer, and stockpiling",
    "Stockpiling": "Stockpile",
    "Retention": "Retention for training and research",
    "Transparency reporting": "Article 7 reporting",
    "International cooperation": "International cooperation and assistance",
    "Interpretive issues": "Interpretation and implementation",
    "Contamination": "Extent of contamination and its impact",
    "Clearance": "Clearance in the past year",
    "Casualties": "Casualties overview",
    "Funding": "Funding and resources",
}

SENTENCES = {
    "ban": [
        "{country} has stated that it has never used, produced, or transferred {weapon}.",
        "{country} is not known to have used, produced, or exported {weapon}.",
        "In {month_year}, {country} {verb} that it had destroyed its stockpile of {weapon}, "
        "totaling {number} munitions and {number2} submunitions.",
        "{country} has not reported retaining any {weapon} for research or training purposes.",
        "{country} submitted its initial Article 7 transparency report for {treaty} on {date}.",
        "As of {date}, {country} had not submitted its annual updated transparency report.",
        "{country} attended the {meeting} in {meeting_place} in {meeting_month} as an observer.",
        "{country} has participated in every Meeting of States Parties except the one held in "
        "{meeting_place} in {meeting_month}.",
        "On {date}, {country} voted in favor of UN General Assembly Resolution {resolution}, "
        "which urges states outside the convention to “join as soon as possible.”",
        "{country} has not elaborated its views on the transit of {weapon} through its territory.",
        "{country} has stated that any investment in the production of {weapon} is prohibited "
        "under its national law.",
        "In {year}, the {ministry} {verb} that existing legislation was under review to "
        "determine whether new measures were needed to implement the convention.",
        "{country} has condemned new use of {weapon} in {conflict}, expressing particular "
        "concern at the impact on civilians.",
        "A {ministry} official told the Monitor in {month_year} that {country} does not "
        "possess {weapon}.",
        "During the negotiations, {country} advocated a total ban on {weapon} without "
        "exceptions or transition periods.",
        "{country} considers the retention of {weapon} for training to be permitted, but has "
        "not said how many it holds.",
        "In {month_year}, {country} hosted a regional workshop on the universalization of "
        "{treaty}, attended by {small} states.",
        "{country} has argued that joint military operations with states not party must not "
        "undermine the prohibitions of the convention.",
        "A draft law to implement the convention was submitted to parliament in {year}, but "
        "had not been adopted by {year2}.",
    ],
    "impact": [
        "{country} is contaminated by {weapon}, mostly in {region}, as a result of the armed "
        "conflict of {year}–{year2}.",
        "As of the end of {year}, {country} reported {area} of contaminated land across "
        "{small} districts.",
        "In {year}, {country} released {area} through clearance and a further {area2} through "
        "technical survey.",
        "Clearance teams destroyed {number} items of unexploded ordnance in {year}, including "
        "{small} submunitions.",
        "{org} and {org2} conducted most of the clearance in {year}.",
        "The {authority} coordinates mine action in {country} and accredits operators.",
        "{country} adopted national mine action standards in {year}, based on the "
        "International Mine Action Standards.",
        "{country} has said that it expects to complete clearance of {weapon} by {year3}.",
        "Risk education sessions reached {number} people in {year}, most of them children in "
        "{region}.",
        "The national strategy for {year}–{year2} sets priorities for survey and clearance in "
        "{region}.",
        "{country} reported that {percent}% of suspected hazardous areas had been surveyed by "
        "the end of {year}.",
        "The {authority} updated its information management system in {year} with support "
        "from {org}.",
        "Women made up {percent}% of the staff of clearance teams in {year}, according to {org}.",
        "Quality management is carried out by the {authority} through post-clearance inspections.",
        "The contamination blocks access to farmland, roads and water sources in {region}.",
    ],
    "casualties": [
        "The Monitor recorded {small} new casualties from {weapon} in {country} in {year}.",
        "Of the casualties recorded in {year}, {small} people were killed and {small2} injured; "
        "{percent}% were children.",
        "Since {year}, a total of {number} casualties have been recorded in {country}.",
        "Most casualties occurred in {region}, where people collect scrap metal or farm "
        "contaminated land.",
        "Casualty data for {year} was provided by {org} and the {authority}.",
        "{small} deminers were injured during clearance operations in {year}.",
        "Improvised mines caused {percent}% of the casualties recorded in {year}.",
        "Data collection remains incomplete, and the real number of casualties is believed to "
        "be higher.",
        "Men and boys made up {percent}% of the casualties for whom the sex was known.",
    ],
    "victims": [
        "{country} has a national disability action plan for {year}–{year2}, which includes "
        "survivors of {weapon}.",
        "The {ministry} is responsible for victim assistance and chairs a coordination "
        "committee that met {small} times in {year}.",
        "Physical rehabilitation services are available in {small} centers, most of them in the "
        "capital.",
        "Survivors in {region} reported difficulties in reaching medical care because of the "
        "cost of transport.",
        "{org} provided prosthetics and psychological support to {number} people in {year}.",
        "Survivors' representatives took part in coordination meetings in {year}.",
        "Economic inclusion programs for survivors remained limited by a lack of funding in "
        "{year}.",
        "{country} ratified the Convention on the Rights of Persons with Disabilities on {date}.",
    ],
    "support": [
        "In {year}, {country} contributed US${money} million to mine action in {small} countries.",
        "{country}'s contributions in {year} were {percent}% higher than in {year0}.",
        "The largest share of {country}'s support went to clearance and risk education in "
        "{recipient}.",
        "{country} provided US${money} million through {org} for survey and clearance in "
        "{recipient}.",
        "Since {year}, {country} has contributed more than US${money} million to mine action.",
        "{country} reported national funding of US${money} million for its mine action program "
        "in {year}.",
        "Support to victim assistance amounted to US${money} million, or {percent}% of the total.",
    ],
    "ewipa": [
        "{country} endorsed the Political Declaration on the use of explosive weapons in "
        "populated areas on {date}.",
        "{country} participated in the {meeting} in {meeting_place} in {meeting_month}.",
        "Explosive weapons were used in populated areas of {country} in {year}, killing or "
        "injuring {number} civilians.",
        "{org} recorded damage to {small} schools and {small2} health facilities from explosive "
        "weapons in {year}.",
        "{country} has stated that its armed forces avoid the use of explosive weapons with "
        "wide area effects in populated areas.",
        "The {ministry} reviewed its military doctrine in {year} to include measures to reduce "
        "harm to civilians.",
    ],
    "ccw": [
        "{country} is party to Protocol III on incendiary weapons of the Convention on "
        "Conventional Weapons.",
        "At the CCW Meeting of High Contracting Parties in {month_year}, {country} expressed "
        "concern at the use of incendiary weapons in {conflict}.",
        "{country} supported a review of the adequacy of Protocol III in {year}.",
        "{country} stated that it does not possess weapons designed primarily to set fire to "
        "objects or to cause burn injuries.",
        "{country} has not said whether it considers white phosphorus munitions to fall under "
        "Protocol III.",
        "In {year}, the {ministry} {verb} that its forces had withdrawn incendiary weapons from "
        "service.",
    ],
}
# Sentences any profile may use.
COMMON_SENTENCES = [
    "{country} {told} the Monitor in {month_year} that there were no changes to report.",
    "There were no reported developments in {year}.",
    "{country} attended the {meeting} in {meeting_place} in {meeting_month}, but did not make "
    "a statement.",
    "According to {org}, the situation did not change significantly between {year} and {year2}.",
    "In {month_year}, the {ministry} confirmed this in a letter to the Monitor.",
]
VERBS = ["stated", "said", "reported", "announced"]

# Editorial changes an editor makes to a sentence: a word for another, a year corrected, an
# attribution added or removed.
REWORDINGS = [
    ("stated", "said"),
    ("mostly", "mainly"),
    ("every", "each"),
    ("contributed", "provided"),
    ("expressed", "voiced"),
    ("particular", "grave"),
    ("most", "the majority"),
    ("remained", "was still"),
]
A_YEAR = re.compile(r"\b(?:199\d|20[0-2]\d)\b")
ATTRIBUTION = re.compile(r", according to [^,.]+\.$")
NOTES_VARIANTS = [("Notes by the CMC.", "Notes by the ICBL-CMC.")]
CONFIRMED = " The Monitor confirmed this information in a later email."
STILL_SO = " This remained the case at the time of writing."


def format_day(day: datetime.date) -> str:
    """Write a date as the Monitor does: “3 December 2008”."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _month_year(day: datetime.date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def reworded(text: str, rng: random.Random) -> str:
    """Return text with one editorial change: a word swapped, a year corrected, or an
    attribution added or removed."""
    changes = []
    for first, second in REWORDINGS:
        for old, new in ((first, second), (second, first)):
            if re.search(rf"\b{old}\b", text):
                changes.append(lambda old=old, new=new: re.sub(rf"\b{old}\b", new, text, count=1))
    if A_YEAR.search(text):
        changes.append(lambda: _year_corrected(text, rng))
    if ATTRIBUTION.search(text):
        changes.append(lambda: ATTRIBUTION.sub(".", text))
    elif text.endswith("."):
        changes.append(lambda: f"{text[:-1]}, according to {rng.choice(ORGANISATIONS)}.")
    if text.endswith(STILL_SO):
        changes.append(lambda: text.removesuffix(STILL_SO))
    else:
        changes.append(lambda: text + STILL_SO)
    return rng.choice(changes)()


def footnote_reworded(text: str, rng: random.Random) -> str:
    """Return a footnote with one correction: a year, who took notes, or a confirmation."""
    changes = []
    for first, second in NOTES_VARIANTS:
        if first in text:
            changes.append(lambda first=first, second=second: text.replace(first, second, 1))
        elif second in text:
            changes.append(lambda first=first, second=second: text.replace(second, first, 1))
    if A_YEAR.search(text):
        changes.append(lambda: _year_corrected(text, rng))
    if text.endswith(CONFIRMED):
        changes.append(lambda: text.removesuffix(CONFIRMED))
    else:
        changes.append(lambda: text + CONFIRMED)
    return rng.choice(changes)()


def _year_corrected(text: str, rng: random.Random) -> str:
    last = list(A_YEAR.finditer(text))[-1]
    year = int(last.group()) + rng.choice((-1, 1))
    return f"{text[: last.start()]}{year}{text[last.end() :]}"


def renamed(heading: str) -> str:
    """Return a section's other name: its variant, or its original again."""
    for original, variant in HEADING_VARIANTS.items():
        if heading == original:
            return variant
        if heading == variant:
            return original
    suffix = " and related issues"
    return heading.removesuffix(suffix) if heading.endswith(suffix) else heading + suffix


# Prose: sentences, headings and sources ------------------------------------------------------


class _Slots(dict):
    """The values of one sentence's placeholders, drawn when first used, so that a placeholder
    used twice in a sentence reads the same both times."""

    def __init__(self, draw: Callable[[str, _Slots], str], **known):
        super().__init__(known)
        self.draw = draw

    def __missing__(self, key):
        value = self.draw(key, self)
        self[key] = value
        return value


@dataclass
class CitedSource:
    """A source and how footnotes cite it; "{pinpoint}" marks where a pinpoint goes."""

    source: Source
    phrase: str
    notes_by: str = ""
    pinpoints: tuple[str, ...] = ()


class Prose:
    """Writes sentences, headings and sources in the Monitor's style, from one random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    # Values of placeholders

    def draw(self, key: str, slots: _Slots) -> str:
        rng = self.rng
        if key.startswith("meeting"):
            event, place, day = rng.choice(slots["meetings"])
            slots.update(meeting=event, meeting_place=place, meeting_month=_month_year(day))
            return slots[key]
        if key == "year2":
            return str(int(slots["year"]) + rng.randint(1, 6))
        if key == "year3":
            return str(int(slots["year2"]) + rng.randint(1, 8))
        if key == "year0":
            return str(int(slots["year"]) - 1)
        if key == "org2":
            return rng.choice([org for org in ORGANISATIONS if org != slots["org"]])
        draws = {
            "date": lambda: format_day(self.day(2005, 2024)),
            "year": lambda: str(rng.randint(2000, 2024)),
            "month_year": lambda: _month_year(self.day(1999, 2024)),
            "number": lambda: f"{rng.randint(120, 48_000):,}",
            "number2": lambda: f"{rng.randint(2_000, 900_000):,}",
            "small": lambda: str(rng.randint(2, 40)),
            "small2": lambda: str(rng.randint(2, 90)),
            "percent": lambda: str(rng.randint(4, 96)),
            "area": lambda: f"{rng.uniform(0.05, 90):.2f}km²",
            "area2": lambda: f"{rng.uniform(0.05, 40):.2f}km²",
            "money": lambda: f"{rng.uniform(0.1, 60):.1f}",
            "org": lambda: rng.choice(ORGANISATIONS),
            "ministry": lambda: rng.choice(MINISTRIES),
            "authority": lambda: rng.choice(AUTHORITIES),
            "region": lambda: rng.choice(REGIONS),
            "conflict": lambda: rng.choice(CONFLICTS),
            "recipient": lambda: rng.choice(RECIPIENTS),
            "verb": lambda: rng.choice(VERBS),
            "told": lambda: rng.choice(["told", "informed"]),
            "resolution": lambda: f"{rng.randint(63, 79)}/{rng.randint(20, 90)}",
        }
        return draws[key]()

    def day(self, first_year: int, last_year: int) -> datetime.date:
        start = datetime.date(first_year, 1, 1)
        span = (datetime.date(last_year, 12, 31) - start).days
        return start + datetime.timedelta(days=self.rng.randint(0, span))

    def fill(self, template: str, **known) -> str:
        return template.format_map(_Slots(self.draw, **known))

    # Profiles

    def headings(self, family: str, count: int) -> list[tuple[str, int]]:
        """Return `count` body headings with their levels, in reading order: the family's
        first heading, then a selection of the others (years once the list runs out)."""
        listed = [
            (line.removeprefix("|").strip(), 2 if line.startswith("|") else 1)
            for line in _lines(HEADINGS[family])
        ]
        if count <= len(listed):
            chosen = sorted(self.rng.sample(range(1, len(listed)), count - 1))
            return [listed[0], *(listed[index] for index in chosen)]
        extra = [(f"Developments in {2024 - index}", 1) for index in range(count - len(listed))]
        return listed + extra

    def sentences(self, family: str, context: dict) -> Iterator[str]:
        """Write a profile's sentences, dealing the templates from a shuffled deck so that a
        profile repeats one only once it has used the others."""
        while True:
            deck = SENTENCES[family] + COMMON_SENTENCES
            self.rng.shuffle(deck)
            for template in deck:
                yield self.fill(template, **context)

    # Sources

    def person(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"

    def country_sources(self, country: Country, count: int) -> list[CitedSource]:
        """Return the statements, letters, emails, interviews and reports of one country."""
        makers = [
            (self.statement, 10),
            (self.correspondence, 8),
            (self.interview, 2),
            (self.treaty_report, 3),
        ]
        kinds = self.rng.choices([maker for maker, _ in makers], [w for _, w in makers], k=count)
        return [make(country) for make in kinds]

    def common_sources(self, countries: list[Country]) -> list[CitedSource]:
        """Return the resolutions, publications, news and web pages any profile may cite."""
        names = [country.name for country in countries]
        return (
            [self.resolution() for _ in range(12)]
            + [self.publication(*values) for values in PUBLICATIONS]
            + [self.news(self.rng.choice(names)) for _ in range(40)]
            + [self.web_page(*values) for values in WEB_PAGES for _ in range(3)]
        )

    def statement(self, country: Country) -> CitedSource:
        meetings = [*MEETINGS[self.rng.choice(list(MEETINGS))], *OTHER_MEETINGS]
        event, place, first_day = self.rng.choice(meetings)
        day = first_day + datetime.timedelta(days=self.rng.randint(0, 3))
        notes_by = self.rng.choice(NOTES_TAKERS) if self.rng.random() < 0.8 else ""
        source = Source(
            kind=SourceKind.STATEMENT,
            author=country.name,
            event=event,
            place=place,
            date=day,
            notes_by=notes_by,
        )
        phrase = f"Statement of {country.name}, {event}, {place}, {format_day(day)}"
        return CitedSource(source, phrase, notes_by)

    def correspondence(self, country: Country) -> CitedSource:
        kind, opening = self.rng.choice(
            [
                (SourceKind.EMAIL, "Email from"),
                (SourceKind.LETTER, "Letter from"),
                (SourceKind.OTHER, "Response to Monitor questionnaire by"),
            ]
        )
        person, position = self.person(), self.rng.choice(POSITIONS)
        organisation = self.rng.choice(
            [
                f"Permanent Mission of {country.name} to the UN in Geneva",
                self.rng.choice(AUTHORITIES),
                self.rng.choice(MINISTRIES),
                self.rng.choice(ORGANISATIONS),
            ]
        )
        day = self.day(2005, 2024)
        source = Source(kind=kind, author=person, organisation=organisation, date=day)
        phrase = f"{opening} {person}, {position}, {organisation}, {format_day(day)}"
        return CitedSource(source, phrase)

    def interview(self, country: Country) -> CitedSource:
        person, day = self.person(), self.day(2005, 2024)
        organisation = self.rng.choice(AUTHORITIES + ORGANISATIONS)
        place = self.rng.choice(["Geneva", "New York", "the capital", "Vienna", "Oslo"])
        source = Source(
            kind=SourceKind.INTERVIEW,
            author=person,
            organisation=organisation,
            place=place,
            date=day,
        )
        phrase = (
            f"Interview with {person}, {self.rng.choice(POSITIONS)}, {organisation}, in {place}, "
            f"{format_day(day)}"
        )
        return CitedSource(source, phrase)

    def treaty_report(self, country: Country) -> CitedSource:
        treaty = self.rng.choice(list(TREATY_NAMES))
        title = (
            "CCW Amended Protocol II Article 13 Report"
            if treaty == CCW
            else f"{TREATY_NAMES[treaty][1]} Article 7 Report"
        )
        day = self.day(2000, 2024)
        source = Source(kind=SourceKind.TREATY_REPORT, author=country.name, title=title, date=day)
        forms = tuple(f"Form {letter}" for letter in "ABCDEFGHIJ")
        return CitedSource(source, f"{title}, {{pinpoint}}, {format_day(day)}", pinpoints=forms)

    def resolution(self) -> CitedSource:
        title = self.rng.choice(RESOLUTIONS)
        year = self.rng.randint(2008, 2024)
        day = datetime.date(year, 12, self.rng.randint(2, 9))
        designation = f"UNGA Resolution {year - 1945}/{self.rng.randint(20, 90)}"
        source = Source(kind=SourceKind.RESOLUTION, organisation="UNGA", title=title, date=day)
        return CitedSource(source, f"“{title},” {designation}, {format_day(day)}")

    def publication(self, author, title, place, publisher, month) -> CitedSource:
        day = datetime.date.fromisoformat(month)
        source = Source(
            kind=SourceKind.PUBLICATION,
            author=author,
            title=title,
            place=place,
            publisher=publisher,
            date=day,
        )
        first = self.rng.randint(3, 400)
        pinpoints = (f"p. {first}", f"pp. {first}–{first + self.rng.randint(1, 4)}")
        phrase = f"{author}, {title} ({place}: {publisher}, {_month_year(day)}), {{pinpoint}}"
        return CitedSource(source, phrase, pinpoints=pinpoints)

    def news(self, country_name: str) -> CitedSource:
        weapon = self.rng.choice(["cluster munitions", "landmines", "incendiary weapons"])
        headline = self.rng.choice(HEADLINES).format(country=country_name, weapon=weapon)
        outlet, day = self.rng.choice(OUTLETS), self.day(2006, 2024)
        source = Source(kind=SourceKind.NEWS, title=headline, publisher=outlet, date=day)
        return CitedSource(source, f"“{headline},” {outlet}, {format_day(day)}")

    def web_page(self, organisation, title, url) -> CitedSource:
        accessed = self.day(2015, 2024)
        source = Source(
            kind=SourceKind.WEB_PAGE,
            organisation=organisation,
            title=title,
            url=url,
            accessed_on=accessed,
        )
        phrase = f"{organisation}, “{title},” {url}, accessed {format_day(accessed)}"
        return CitedSource(source, phrase)

    def footnote(self, cited: list[tuple[CitedSource, str]], context: dict) -> str:
        """Write a footnote citing sources (with their pinpoints) in order, sometimes with a
        remark before or after them."""
        parts = []
        for index, (source, pinpoint) in enumerate(cited):
            part = source.phrase.replace("{pinpoint}", pinpoint)
            if index:
                part = _lower_first_word(part)
            if source.notes_by:
                part += f". Notes by {source.notes_by}"
            parts.append(part)
        text = parts[0] if len(parts) == 1 else f"{'; '.join(parts[:-1])}; and {parts[-1]}"
        text += "."
        remark = self.rng.random()
        if remark < 0.08:
            text = f"{self.fill(self.rng.choice(COMMENTARY), **context)} {text}"
        elif remark < 0.16:
            text = f"{text} {self.fill(self.rng.choice(COMMENTARY), **context)}"
        return text


def _lower_first_word(text: str) -> str:
    first, _, rest = text.partition(" ")
    if first in {"Statement", "Email", "Letter", "Interview", "Response"}:
        return f"{first.lower()} {rest}"
    return text


def treaty_status_sentence(country: str, status: TreatyStatus | None, treaty: str) -> str:
    """State a country's status under a treaty, as the first claim of a policy profile."""
    if status is None or status.status == TreatyStatus.Status.NOT_PARTY:
        return f"{country} has not joined {treaty}."
    if status.status == TreatyStatus.Status.SIGNATORY:
        return (
            f"{country} signed {treaty} on {format_day(status.signed_on)}, but has not ratified it."
        )
    in_force = f"and it entered into force for the country on {format_day(status.in_force_on)}."
    if status.joined_by == TreatyStatus.JoinedBy.RATIFICATION:
        return (
            f"{country} signed {treaty} on {format_day(status.signed_on)}, ratified it on "
            f"{format_day(status.joined_on)}, {in_force}"
        )
    verb = "succeeded" if status.joined_by == TreatyStatus.JoinedBy.SUCCESSION else "acceded"
    return f"{country} {verb} to {treaty} on {format_day(status.joined_on)}, {in_force}"


def treaty_status_summary(country: str, status: TreatyStatus | None) -> str:
    if status is None or status.status == TreatyStatus.Status.NOT_PARTY:
        return f"Non-signatory {country} has not joined the convention."
    if status.status == TreatyStatus.Status.SIGNATORY:
        return f"Signatory {country} has not yet ratified the convention."
    return f"State Party {country} joined the convention on {format_day(status.joined_on)}."


# Treaty statuses -----------------------------------------------------------------------------

# Per treaty: the chances of being a state party and a signatory, the day it opened for
# signature, and the last day of signature (after which states accede).
TREATY_ODDS = {
    CCM: (0.55, 0.06, _day("2008-12-03"), _day("2010-07-31")),
    MBT: (0.8, 0.01, _day("1997-12-03"), _day("1999-02-28")),
    CCW: (0.65, 0.02, _day("1981-04-10"), _day("1982-04-09")),
}


def _first_of_sixth_month_after(day: datetime.date) -> datetime.date:
    month = day.month + 5
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


def treaty_status(rng: random.Random, country: Country, treaty: Treaty) -> TreatyStatus:
    """Draw a plausible status of a country under a treaty, with its dates."""
    party, signatory, opened, closed = TREATY_ODDS.get(
        treaty.slug, (0.6, 0.03, treaty.adopted_on, treaty.entry_into_force_on)
    )
    status = TreatyStatus(country=country, treaty=treaty)
    draw = rng.random()
    if draw >= party + signatory:
        return status
    signs = draw >= party or rng.random() < 0.7
    if signs:
        status.signed_on = opened + datetime.timedelta(
            days=0 if rng.random() < 0.6 else rng.randint(1, (closed - opened).days)
        )
    if draw >= party:
        status.status = TreatyStatus.Status.SIGNATORY
        return status
    status.status = TreatyStatus.Status.STATE_PARTY
    start = status.signed_on or closed
    status.joined_on = min(
        start + datetime.timedelta(days=rng.randint(60, 4000)), datetime.date(2024, 12, 31)
    )
    status.joined_by = (
        TreatyStatus.JoinedBy.RATIFICATION
        if signs
        else rng.choice([TreatyStatus.JoinedBy.ACCESSION] * 9 + [TreatyStatus.JoinedBy.SUCCESSION])
    )
    status.in_force_on = max(
        _first_of_sixth_month_after(status.joined_on), treaty.entry_into_force_on or opened
    )
    status.initial_report_due_on = status.in_force_on + datetime.timedelta(days=180)
    if rng.random() < 0.8:
        status.last_report_submitted_on = datetime.date(
            rng.randint(max(2015, status.joined_on.year), 2024), rng.randint(3, 6), 30
        )
    return status


# Profiles, in memory ---------------------------------------------------------------------------


@dataclass
class ProfilePlan:
    """What one profile will hold, drawn before any of it is written."""

    profile: Profile
    spec: TopicSpec
    claims: int
    sections: int
    editor: object
    index_in_topic: int
    largest: bool = False
    draft: bool = False
    withdrawn: bool = False
    older_layout: bool = False
    latest: Publication | None = None


@dataclass
class Tree:
    """A profile's sections, claims, citations and source links, unsaved until inserted."""

    sections: list[Section] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    links: list[CitationSource] = field(default_factory=list)

    def extend(self, other: Tree) -> None:
        self.sections += other.sections
        self.claims += other.claims
        self.citations += other.citations
        self.links += other.links


def profile_size(rng: random.Random, largest: int) -> int:
    """Draw a profile's number of claims: mostly 15–60, now and then a long one, always fewer
    than the largest profile's."""
    if rng.random() < 0.03:
        size = rng.randint(60, max(60, min(largest, 200)))
    else:
        size = round(rng.lognormvariate(math.log(32), 0.38))
    return max(4, min(size, largest - 1))


def section_count(claims: int, *, largest_claims: int, largest_sections: int) -> int:
    """Scale the number of sections with the square root of the profile's size."""
    scaled = round(largest_sections * math.sqrt(claims / largest_claims))
    return max(2, min(scaled, largest_sections, claims))


def _paragraph_sizes(rng: random.Random, claims: int) -> Iterator[int]:
    while claims > 0:
        size = min(claims, rng.choices((1, 2, 3, 4), (35, 35, 20, 10))[0])
        claims -= size
        yield size


# Earlier editions -----------------------------------------------------------------------------


def earlier_snapshot(
    snapshot: dict, *, claims: int, last_updated: datetime.date, rng: random.Random
) -> dict:
    """Return a plausible earlier edition of a snapshot: its first `claims` claims (and their
    footnotes, which come first in reading order), a few in older wording, an older date."""
    sections, kept, last_footnote = [], 0, 0
    for section in snapshot["sections"]:
        if kept >= claims:
            break
        taken = section["claims"][: claims - kept]
        kept += len(taken)
        for claim in taken:
            last_footnote = max(last_footnote, *claim["footnotes"], 0)
        sections.append({**section, "claims": [_older(claim, rng) for claim in taken]})
    return {
        **snapshot,
        "last_updated": last_updated.isoformat(),
        "sections": sections,
        "footnotes": snapshot["footnotes"][:last_footnote],
    }


def _older(claim: dict, rng: random.Random) -> dict:
    if rng.random() < 0.05:
        return {**claim, "text": reworded(claim["text"], rng)}
    return claim


# History --------------------------------------------------------------------------------------


@dataclass
class Edit:
    """One later state of an object: all the fields its history record keeps."""

    obj: models.Model
    values: dict
    reason: str
    change_set: ChangeSet


# Fields an edit may change, by model: written to the working copy with the object's last edit.
EDITED_FIELDS = {
    Section: ["heading"],
    Claim: ["text", "text_changed_by"],
    Citation: [
        "text",
        "text_changed_by",
        "review_state",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    ],
    CitationSource: ["pinpoint"],
}
CLEARED_REVIEW = {
    "review_state": ReviewState.UNREVIEWED,
    "reviewed_by_id": None,
    "reviewed_at": None,
    "review_note": "",
}


class HistoryPlan:
    """Years of edits to one profile, in change sets of a few records, as editors and
    fact-checkers make them: claims reworded (their reviewed citations sent back to review),
    footnotes corrected, citations reviewed, sections renamed, pinpoints changed."""

    def __init__(self, rng, tree: Tree, *, editors, fact_checkers, start, end):
        self.rng = rng
        self.editors = editors
        self.fact_checkers = fact_checkers
        self.start, self.end = start, end
        self.body_sections = [s for s in tree.sections if s.kind == SectionKind.BODY]
        self.claims_of = _grouped(tree.claims, lambda claim: claim.section)
        self.citations_of = _grouped(tree.citations, lambda citation: citation.claim)
        self.citations = tree.citations
        self.pinpointed = [link for link in tree.links if link.pinpoint]
        self.state = {
            id(obj): {name: getattr(obj, name) for name in tracked_fields(type(obj))}
            for obj in [*tree.sections, *tree.claims, *tree.citations, *tree.links]
        }
        self.change_sets: list[ChangeSet] = []
        self.edits: list[Edit] = []

    def plan(self, records: int) -> HistoryPlan:
        kinds = [
            (self.reword_claims, 30),
            (self.review, 42),
            (self.correct_footnote, 15),
            (self.rename_section, 5),
            (self.change_pinpoint, 8),
        ]
        while len(self.edits) < records:
            make = self.rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
            # Dates grow with the records written, so change sets spread evenly over the years.
            progress = (len(self.edits) + self.rng.random() / 2) / (records + 1)
            when = self.start + (self.end - self.start) * progress
            make(when, limit=records - len(self.edits))
        return self

    def record(self, obj, changes: dict, reason: str) -> None:
        values = {**self.state[id(obj)], **changes}
        self.state[id(obj)] = values
        self.edits.append(Edit(obj, values, reason, self.change_sets[-1]))

    def open(self, when, user, action: str, reason: str = "") -> None:
        self.change_sets.append(ChangeSet(created_at=when, user=user, action=action, reason=reason))

    def reword_claims(self, when, *, limit: int) -> None:
        section = self.rng.choice([s for s in self.body_sections if self.claims_of.get(id(s))])
        claims = self.claims_of[id(section)]
        editor = self.rng.choice(self.editors)
        self.open(when, editor, ChangeSet.Action.EDIT)
        for claim in self.rng.sample(claims, min(len(claims), self.rng.randint(1, 3))):
            if limit <= 0:
                return
            text = reworded(self.state[id(claim)]["text"], self.rng)
            self.record(claim, {"text": text, "text_changed_by_id": editor.pk}, EDIT_REASON)
            limit -= 1
            for citation in self.citations_of.get(id(claim), []):
                if limit > 0 and self.state[id(citation)]["review_state"] != ReviewState.UNREVIEWED:
                    self.record(citation, CLEARED_REVIEW, "Review reset: the claim's text changed")
                    limit -= 1

    def review(self, when, *, limit: int) -> None:
        if not self.citations:
            return
        checker = self.rng.choice(self.fact_checkers)
        waiting = [
            c for c in self.citations if self.state[id(c)]["review_state"] == ReviewState.UNREVIEWED
        ]
        pool = waiting or self.citations
        chosen = self.rng.sample(pool, min(len(pool), self.rng.randint(2, 6), limit))
        self.open(when, checker, ChangeSet.Action.REVIEW, "Reviewed")
        for citation in chosen:
            verified = self.rng.random() < 0.92
            state = ReviewState.VERIFIED if verified else ReviewState.SOURCE_UNAVAILABLE
            note = self.rng.choice(VERIFIED_NOTES if verified else UNAVAILABLE_NOTES)
            changes = {
                "review_state": state,
                "reviewed_by_id": checker.pk,
                "reviewed_at": when,
                "review_note": note,
            }
            self.record(citation, changes, f"Reviewed: {ReviewState(state).label.lower()}")

    def correct_footnote(self, when, *, limit: int) -> None:
        if not self.citations:
            return
        citation = self.rng.choice(self.citations)
        editor = self.rng.choice(self.editors)
        self.open(when, editor, ChangeSet.Action.EDIT)
        values = self.state[id(citation)]
        changes = {
            "text": footnote_reworded(values["text"], self.rng),
            "text_changed_by_id": editor.pk,
        }
        reason = EDIT_REASON
        if values["review_state"] != ReviewState.UNREVIEWED:
            changes |= CLEARED_REVIEW
            reason = "Review reset: the footnote's text changed"
        self.record(citation, changes, reason)

    def rename_section(self, when, *, limit: int) -> None:
        section = self.rng.choice(self.body_sections)
        self.open(when, self.rng.choice(self.editors), ChangeSet.Action.EDIT)
        self.record(section, {"heading": renamed(self.state[id(section)]["heading"])}, EDIT_REASON)

    def change_pinpoint(self, when, *, limit: int) -> None:
        if not self.pinpointed:
            return
        link = self.rng.choice(self.pinpointed)
        self.open(when, self.rng.choice(self.editors), ChangeSet.Action.EDIT)
        pinpoint = self.state[id(link)]["pinpoint"]
        first = int(re.search(r"\d+", pinpoint).group()) if re.search(r"\d", pinpoint) else 1
        changed = f"p. {first + 1}" if pinpoint.startswith("pp.") else f"pp. {first}–{first + 1}"
        if pinpoint.startswith("Form"):
            changed = f"Form {self.rng.choice('ABCDEFGHIJ')}"
        self.record(link, {"pinpoint": changed}, EDIT_REASON)


def _grouped(objs, parent) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for obj in objs:
        grouped.setdefault(id(parent(obj)), []).append(obj)
    return grouped


# Writing ----------------------------------------------------------------------------------------


@dataclass
class Moment:
    """When, by whom and why rows are written, and the change set their records belong to."""

    date: datetime.datetime
    user: object
    reason: str
    change_set: ChangeSet


def create_with_history(model, objs: list, moment: Moment) -> list:
    """Insert rows with their creation records, dated and in the moment's change set (what
    bulk_create_versioned does, for a time in the past)."""
    if not objs:
        return []
    return bulk_create_with_history(
        objs,
        model,
        batch_size=BATCH_SIZE,
        default_user=moment.user,
        default_change_reason=moment.reason,
        default_date=moment.date,
        custom_historical_attrs={"change_set_id": moment.change_set.pk},
    )


def insert_editions(editions: list[Publication]) -> None:
    """Insert editions in bulk.

    On PostgreSQL, Django inserts a batch of plain values as UNNEST of arrays, for which
    psycopg's client-side cursor escapes each snapshot's JSON in Python, quote by quote. A
    value given as an expression makes Django write VALUES rows instead, which is two and a
    half times faster there (and about as fast on SQLite).
    """
    snapshots = [edition.snapshot for edition in editions]
    for edition in editions:
        edition.snapshot = Value(edition.snapshot, output_field=models.JSONField())
    Publication.objects.bulk_create(editions, batch_size=100)
    for edition, snapshot in zip(editions, snapshots, strict=True):
        edition.snapshot = snapshot


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def demo_data_generate(*, options: DemoOptions, progress=None) -> DemoReport:
    """Fill an empty database with demo data (see the module's docstring), all or nothing."""
    check_options(options)
    with transaction.atomic():
        generation = _Generation(options, progress)
        generation.run()
    return generation.report


def check_options(options: DemoOptions) -> None:
    for name in ("countries", "topics", "claims", "sections", "editions"):
        if getattr(options, name) < 1:
            raise DemoDataRefused(f"--{name} must be at least 1.")
    if options.history < 0:
        raise DemoDataRefused("--history cannot be negative.")
    if options.topics > len(DEMO_TOPICS):
        raise DemoDataRefused(f"--topics {options.topics}: at most {len(DEMO_TOPICS)} are known.")
    if options.sections < 2:
        raise DemoDataRefused("--sections must be at least 2: a summary and one more.")
    if options.claims < options.sections + 2:
        raise DemoDataRefused(
            f"--claims {options.claims} is too few for {options.sections} sections: "
            f"give at least {options.sections + 2}."
        )


class _Generation:
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
        self.report.counts = self.totals()

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        self.report.timings.append((name, seconds))
        if self.progress:
            self.progress(f"{name}: {seconds:.1f} s")

    def check_database(self) -> None:
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
        created = ChangeSet.objects.create(created_at=date, user=user, action=action, reason=reason)
        return Moment(date, user, reason, created)

    # Users, topics, treaty statuses

    def make_users(self) -> None:
        self.editors = self.role_users("demo-editor", 3, EDITORS)
        self.fact_checkers = self.role_users("demo-factchecker", 3, FACT_CHECKERS)
        self.publishers = self.role_users("demo-publisher", 2, PUBLISHERS)

    def role_users(self, prefix: str, count: int, role: str) -> list:
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
        specs = DEMO_TOPICS[: self.options.topics]
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
        taken = set(TreatyStatus.objects.values_list("country_id", "treaty_id"))
        statuses = [
            treaty_status(self.rng, country, treaty)
            for country in sorted(Country.objects.all(), key=lambda c: c.slug)
            for treaty in sorted(self.treaties.values(), key=lambda t: t.slug)
            if (country.pk, treaty.pk) not in taken
        ]
        create_with_history(TreatyStatus, statuses, self.imported)
        self.statuses = {
            (status.country_id, status.treaty_id): status
            for status in TreatyStatus.objects.select_related("treaty")
        }

    # Profiles and their trees

    def make_profiles(self) -> None:
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
            notes=rng.choice(["", "", "", "Check the figures with the operator."]),
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
        return next(index for index, (known, _topic) in enumerate(self.topics) if known is spec)

    def fill_status_box(self, profile: Profile, spec: TopicSpec, country: Country) -> None:
        treaty = self.treaties.get(spec.treaty)
        status = self.statuses.get((country.pk, treaty.pk)) if treaty else None
        label = status.get_status_display() if status else "Not party"
        profile.status_box_heading = f"Commitment to the {treaty.name}" if treaty else ""
        profile.status_box = [
            [f"{TREATY_NAMES[spec.treaty][1]} status", label],
            [
                "Participation in meetings",
                self.prose.fill("Attended the {meeting}", meetings=self.meetings(spec)),
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
        self.common_sources = self.prose.common_sources(self.countries)
        self.sources_of = {
            country.pk: self.prose.country_sources(country, 24) for country in self.countries
        }
        cited = self.common_sources + [c for pool in self.sources_of.values() for c in pool]
        for item in cited:
            item.source.key = source_digest(item.source)
        create_with_history(Source, [item.source for item in cited], self.imported)

    def make_trees(self) -> None:
        for chunk in _chunks(self.plans, TREE_CHUNK):
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

    def meetings(self, spec: TopicSpec) -> list[tuple]:
        return MEETINGS.get(spec.treaty, MEETINGS[DEFAULT_TREATY]) + OTHER_MEETINGS

    def tree(self, plan: ProfilePlan) -> Tree:
        return _TreeWriter(self, plan).write()

    # History

    def make_history(self) -> None:
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
        ChangeSet.objects.bulk_create(plan.change_sets, batch_size=BATCH_SIZE)
        last = {id(edit.obj): edit for edit in plan.edits}
        self.write_intermediate_records([e for e in plan.edits if last[id(e.obj)] is not e])
        self.write_last_edits(list(last.values()))

    def write_intermediate_records(self, edits: list[Edit]) -> None:
        # Model.history builds a new manager class on every access: look each model up once.
        historical = {model: history_model(model) for model in EDITED_FIELDS}
        by_model: dict[type, list] = {}
        for edit in edits:
            model = type(edit.obj)
            by_model.setdefault(model, []).append(
                historical[model](
                    **edit.values,
                    history_date=edit.change_set.created_at,
                    history_type="~",
                    history_user=edit.change_set.user,
                    history_change_reason=edit.reason,
                    change_set=edit.change_set,
                )
            )
        for model, records in by_model.items():
            # history-safe: these are history records, not the versioned rows themselves
            historical[model].objects.bulk_create(records, batch_size=BATCH_SIZE)

    def write_last_edits(self, edits: list[Edit]) -> None:
        """Bring the working copy to each object's last edit, which writes its last record."""
        groups: dict[tuple, list] = {}
        for edit in edits:
            obj = edit.obj
            for name, value in edit.values.items():
                setattr(obj, name, value)
            obj._history_date = edit.change_set.created_at
            obj._history_user = edit.change_set.user
            obj._change_reason = edit.reason
            groups.setdefault((edit.change_set.pk, type(obj)), []).append(obj)
        for (change_set_pk, model), objs in groups.items():
            bulk_update_with_history(
                objs,
                model,
                EDITED_FIELDS[model],
                batch_size=BATCH_SIZE,
                custom_historical_attrs={"change_set_id": change_set_pk},
            )

    # Publications

    def published_at(self, *, topic_index: int, number: int) -> datetime.datetime:
        """When edition `number` of a topic's profiles went out: a year apart, topics a few
        days apart."""
        return self.imported_at + number * YEAR + datetime.timedelta(days=9 * topic_index)

    def make_publications(self) -> None:
        publisher = self.publishers[0]
        plans = [plan for plan in self.plans if not plan.draft]
        for chunk in _chunks(plans, EDITION_CHUNK):
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
                profile._history_user = publisher
                profile._change_reason = f"Published edition {number}"
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


class _TreeWriter:
    """Writes one profile's tree: a summary (or, in the older layout, none), then body
    sections of paragraphs of claims, each claim with its footnotes and their sources."""

    def __init__(self, generation: _Generation, plan: ProfilePlan):
        self.generation = generation
        self.rng = generation.rng
        self.prose = generation.prose
        self.plan = plan
        country, spec = plan.profile.country, plan.spec
        self.treaty = generation.treaties.get(spec.treaty)
        self.status = generation.statuses.get((country.pk, self.treaty.pk)) if self.treaty else None
        self.context = {
            "country": country.name,
            "weapon": spec.weapon,
            "treaty": TREATY_NAMES[spec.treaty or DEFAULT_TREATY][0],
            "meetings": generation.meetings(spec),
        }
        self.sentences = self.prose.sentences(spec.family, self.context)
        self.own_sources = generation.sources_of[country.pk]
        self.previous_links: list[tuple[Source, str]] = []
        self.marker_spacing = " " if plan.older_layout else ""
        self.claim_counts: dict[int, int] = {}
        self.tree = Tree()

    def write(self) -> Tree:
        plan = self.plan
        summary = 0 if plan.older_layout else (3 if plan.largest else self.rng.randint(1, 3))
        # Every body section has a claim at least.
        summary = min(summary, plan.claims - plan.sections + 1)
        bodies = plan.sections - (1 if summary else 0)
        headings = self.prose.headings(plan.spec.family, bodies)
        if summary:
            self.summary(summary)
        for index, ((heading, level), count) in enumerate(
            zip(headings, self.claims_per_section(plan.claims - summary, bodies), strict=True)
        ):
            self.body_section(heading, level, count, states_status=index == 0)
        return self.tree

    def claims_per_section(self, claims: int, sections: int) -> list[int]:
        counts = [1] * sections
        for index in self.rng.choices(range(sections), k=claims - sections):
            counts[index] += 1
        return counts

    def summary(self, count: int) -> None:
        section = self.section(SectionKind.SUMMARY, "", SectionLevel.HEADING)
        texts = [treaty_status_summary(self.context["country"], self.status)] if self.treaty else []
        texts += [next(self.sentences) for _ in range(count - len(texts))]
        for paragraph, text in enumerate(texts[:count], 1):
            self.claim(section, text, paragraph, no_citation_needed=True)

    def body_section(self, heading: str, level: int, count: int, *, states_status: bool) -> None:
        """Write a section; a policy profile's first one opens with the treaty status."""
        section = self.section(SectionKind.BODY, heading, level)
        texts = [next(self.sentences) for _ in range(count)]
        if states_status and self.treaty and self.plan.spec.family in {"ban", "ccw"}:
            texts[0] = treaty_status_sentence(
                self.context["country"], self.status, self.context["treaty"]
            )
        texts_left = iter(texts)
        for paragraph, size in enumerate(_paragraph_sizes(self.rng, count), 1):
            for _ in range(size):
                self.claim(section, next(texts_left), paragraph)

    def section(self, kind: str, heading: str, level: int) -> Section:
        section = Section(
            profile=self.plan.profile,
            position=len(self.tree.sections) + 1,
            kind=kind,
            heading=heading,
            level=level,
        )
        self.tree.sections.append(section)
        return section

    def claim(self, section: Section, text: str, paragraph: int, **fields) -> None:
        self.claim_counts[id(section)] = self.claim_counts.get(id(section), 0) + 1
        claim = Claim(
            section=section,
            position=self.claim_counts[id(section)],
            paragraph=paragraph,
            text=text,
            text_changed_by_id=self.plan.editor.pk,
            **fields,
        )
        self.tree.claims.append(claim)
        if fields.get("no_citation_needed"):
            return
        count = self.rng.choices((0, 1, 2, 3), (3, 80, 14, 3))[0]
        for number in range(1, count + 1):
            self.citation(claim, number)

    def citation(self, claim: Claim, position: int) -> None:
        if self.previous_links and self.rng.random() < 0.03:
            text, links = "Ibid.", self.previous_links[-1:]
        else:
            cited = self.cited_sources()
            text = self.prose.footnote(cited, self.context)
            links = [(item.source, pinpoint) for item, pinpoint in cited]
            if self.rng.random() < 0.3:
                links = []  # as when the importer could not read the footnote's sources
        citation = Citation(
            claim=claim,
            position=position,
            text=text,
            marker_spacing=self.marker_spacing,
            text_changed_by_id=self.plan.editor.pk,
            **self.review(),
        )
        self.tree.citations.append(citation)
        for number, (source, pinpoint) in enumerate(links, 1):
            self.tree.links.append(
                CitationSource(citation=citation, source=source, position=number, pinpoint=pinpoint)
            )
        self.previous_links = links or self.previous_links

    def cited_sources(self) -> list[tuple[CitedSource, str]]:
        count = self.rng.choices((1, 2, 3), (85, 12, 3))[0]
        cited = []
        for _ in range(count):
            pool = self.own_sources if self.rng.random() < 0.6 else self.generation.common_sources
            item = self.rng.choice(pool)
            if all(item is not known for known, _pinpoint in cited):
                pinpoint = self.rng.choice(item.pinpoints) if item.pinpoints else ""
                cited.append((item, pinpoint))
        return cited

    def review(self) -> dict:
        """Draw a review state: mostly verified, before the import, by a fact-checker."""
        draw = self.rng.random()
        if draw < 0.15:
            return {}
        if draw < 0.2:
            state, notes = ReviewState.SOURCE_UNAVAILABLE, UNAVAILABLE_NOTES
        elif draw < 0.205 and not self.plan.largest:
            # A profile with a disputed citation cannot be published: keep the largest free.
            state, notes = ReviewState.DISPUTED, DISPUTED_NOTES
        else:
            state, notes = ReviewState.VERIFIED, VERIFIED_NOTES
        reviewed_at = self.generation.imported_at - datetime.timedelta(
            days=self.rng.randint(1, 700), seconds=self.rng.randint(0, 86_399)
        )
        return {
            "review_state": state,
            "reviewed_by_id": self.rng.choice(self.generation.fact_checkers).pk,
            "reviewed_at": reviewed_at,
            "review_note": self.rng.choice(notes),
        }
