"""Countries' statuses under the treaties: drawn with plausible dates, and stated in the
sentences that open policy profiles."""

from __future__ import annotations

import datetime
import random

from profiles.demo_data.prose import format_day
from profiles.models import Country, Treaty, TreatyStatus

CCM, MBT, CCW = (
    "convention-on-cluster-munitions",
    "mine-ban-treaty",
    "convention-on-certain-conventional-weapons",
)
_day = datetime.date.fromisoformat

# Per treaty: the chances of being a state party and a signatory, the day it opened for
# signature, and the last day of signature (after which states accede).
TREATY_ODDS = {
    CCM: (0.55, 0.06, _day("2008-12-03"), _day("2010-07-31")),
    MBT: (0.8, 0.01, _day("1997-12-03"), _day("1999-02-28")),
    CCW: (0.65, 0.02, _day("1981-04-10"), _day("1982-04-09")),
}


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


def _first_of_sixth_month_after(day: datetime.date) -> datetime.date:
    month = day.month + 5
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


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
    """State a country's status under its topic's treaty, as the first claim of a summary."""
    if status is None or status.status == TreatyStatus.Status.NOT_PARTY:
        return f"Non-signatory {country} has not joined the convention."
    if status.status == TreatyStatus.Status.SIGNATORY:
        return f"Signatory {country} has not yet ratified the convention."
    return f"State Party {country} joined the convention on {format_day(status.joined_on)}."
