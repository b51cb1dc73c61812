"""Treaty facts a profile states plainly ("ratified the convention on 7 June 2010"), read
from its text on import into the country's treaty statuses, never over an editor's entry."""

from __future__ import annotations

import re

from profiles.models import Treaty, TreatyStatus
from profiles.textformat import ProfileDocument, format_date, parse_date

DATE = r"(\d{1,2} [A-Z][a-z]+ \d{4})"
# Not "resigned", "designed" or "assigned"; yet real profiles run words together ("Malisigned").
SIGNED = re.compile(rf"(?<!re)(?<!de)(?<!as)signed (?:the )?(?:[\w ]+? )?on {DATE}")
JOINED = re.compile(rf"\b(ratified|acceded)(?: to)?(?: the [\w ]+?)? on {DATE}")
IN_FORCE = re.compile(rf"entered into force for (?:the country|[A-Z][\w ]+?) on {DATE}")
PARTY_TO = re.compile(
    r"\bis (?:also )?(?:a )?(?:State )?[Pp]arty to the ([A-Z][\w ]+?)(?=[.,;]| and )"
)
TREATY_FIELDS = ("status", "signed_on", "joined_on", "joined_by", "in_force_on")


def treaty_status_facts(document: ProfileDocument) -> dict:
    """Read the treaty status a profile states plainly in its summary and first section."""
    body = [section for section in document.sections if section.kind == "body"][:1]
    summaries = [section for section in document.sections if section.kind == "summary"]
    text = " ".join(claim.text for section in summaries + body for claim in section.claims)
    facts = {}
    if match := SIGNED.search(text):
        facts["signed_on"] = parse_date(match.group(1))
    if match := JOINED.search(text):
        facts["joined_on"] = parse_date(match.group(2))
        facts["joined_by"] = (
            TreatyStatus.JoinedBy.RATIFICATION
            if match.group(1) == "ratified"
            else TreatyStatus.JoinedBy.ACCESSION
        )
    if match := IN_FORCE.search(text):
        facts["in_force_on"] = parse_date(match.group(1))
    if "joined_on" in facts or re.match(r"(Summary: )?State Party\b", text):
        facts["status"] = TreatyStatus.Status.STATE_PARTY
    elif "signed_on" in facts:
        facts["status"] = TreatyStatus.Status.SIGNATORY
    return {name: value for name, value in facts.items() if value is not None}


def treaty_statuses_fill(*, document: ProfileDocument, country, topic, writer, report) -> None:
    """Fill the country's status under the topic's treaty, and mark it a state party of the
    other treaties the text says it is party to; `report` (an ImportReport) says what."""
    if topic.treaty_id:
        _fill_treaty_status(document, country, topic.treaty, writer, report)
    _fill_other_treaty_statuses(document, country, topic.treaty_id, writer, report)


def _fill_treaty_status(document, country, treaty, writer, report) -> None:
    facts = treaty_status_facts(document)
    if facts:
        _apply_treaty_status(country, treaty, facts, writer, report)


def _fill_other_treaty_statuses(document, country, topic_treaty_id, writer, report) -> None:
    """Mark state parties of other treaties that the text names plainly (“is party to the …”)."""
    text = " ".join(claim.text for claim in document.claims())
    named = {_treaty_key(match.group(1)) for match in PARTY_TO.finditer(text)}
    if not named:
        return
    for treaty in Treaty.objects.exclude(pk=topic_treaty_id):
        if {_treaty_key(treaty.name), _treaty_key(treaty.short_name)} & named:
            _apply_treaty_status(
                country, treaty, {"status": TreatyStatus.Status.STATE_PARTY}, writer, report
            )


def _treaty_key(name: str) -> str:
    return re.sub(r"\b(certain|the)\b|\s+", "", name.casefold())


def _apply_treaty_status(country, treaty, facts: dict, writer, report) -> None:
    """Fill what the profile states, never overwriting what an editor entered by hand."""
    status = TreatyStatus.objects.filter(country=country, treaty=treaty).first()
    if status is None:
        status = TreatyStatus(country=country, treaty=treaty)
        editor_touched = False
    else:
        editor_touched = status.history.filter(history_user__isnull=False).exists()
    default = TreatyStatus._meta.get_field("status").default
    filled, kept = [], []
    for name, value in facts.items():
        current = getattr(status, name)
        if current == value:
            continue
        is_empty = current in (None, "") or (name == "status" and current == default)
        if is_empty or not editor_touched:
            setattr(status, name, value)
            filled.append(f"{_field_label(name)} {_show(name, value)}")
        else:
            kept.append(
                f"{_field_label(name)} {_show(name, current)} (the file says {_show(name, value)})"
            )
    if filled:
        writer.save(status)
        report.counts["treaty status fields filled"] += len(filled)
        report.messages.append(f"{treaty}: set {', '.join(filled)}")
    if kept:
        report.messages.append(f"{treaty}: kept the editor's {', '.join(kept)}")


def _field_label(name: str) -> str:
    return str(TreatyStatus._meta.get_field(name).verbose_name)


def _show(name: str, value) -> str:
    if hasattr(value, "strftime"):
        return format_date(value)
    return str(dict(TreatyStatus._meta.get_field(name).flatchoices).get(value, value))
