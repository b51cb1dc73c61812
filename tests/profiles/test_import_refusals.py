"""Input the importer refuses: each refusal names the file, line (and column) and reason,
writes nothing (in a dry run too), and shows in "Edit as text" as a form error, never a 500.

The limits are the constants of profiles/textformat.py; the last tests check that
docs/text-format.md states them and that the admin's claim and footnote forms enforce them.
"""

import ast
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.forms import modelform_factory

from citations.models import Citation
from profiles import textformat
from profiles.forms import CitationInlineForm, ClaimAdminForm, ClaimInlineForm
from profiles.importing import profile_export
from profiles.models import ChangeSet, Claim, Country, Profile, Section, Topic
from profiles.textformat import (
    MAX_CLAIMS,
    MAX_FILE_BYTES,
    MAX_FOOTNOTES,
    MAX_MARKER_DIGITS,
    MAX_SECTIONS,
    MAX_SPACING,
    MAX_STATUS_BOX_ROWS,
    MAX_TEXT_LENGTH,
)
from tests.factories import changeform_data, import_profiles, import_text
from tests.helpers import admin_url, export, history_count

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs"

HEAD = "Mali\n\nCluster Munition Ban Policy\n\nLast updated: 07 June 2016\n\n"


def profile_text(paragraph="Mali signed it.[1]", footnotes="[1] Statement of Mali.", head=HEAD):
    """A small profile: the paragraph is on line 9, the first footnote on line 11."""
    return f"{head}Policy\n\n{paragraph}\n\n{footnotes}\n"


def written() -> dict[str, int]:
    """Count what an import writes: rows of each kind, change sets and history records."""
    models = (Country, Topic, Profile, Section, Claim, Citation, ChangeSet)
    return {model.__name__: model.objects.count() for model in models} | {
        "history": history_count()
    }


def refusal(tmp_path, text: str, *, name="mali.txt", dry_run=False) -> str:
    """Import `text` as the file `name`; assert it is refused and nothing written; return the
    command's message."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    before = written()

    with pytest.raises(CommandError) as refused:
        call_command("import_profile", str(path), *(["--dry-run"] if dry_run else []))

    assert written() == before
    assert str(refused.value).endswith("nothing was imported.")
    return str(refused.value)


def edit_as_text(client, profile, change) -> list[str]:
    """Preview the profile's text changed by `change`; assert the page refuses it as a form
    error and writes nothing; return the form's errors."""
    url = f"/admin/profiles/profile/{profile.pk}/edit-text/"
    form = client.get(url).context["form"]
    fields = {name: form[name].value() for name in ("text", "base", "version")}
    before = written()

    response = client.post(url, {**fields, "text": change(fields["text"]), "preview": "1"})

    assert response.status_code == 200
    assert written() == before
    return response.context["form"].errors["text"]


# 1. A name whose address another country or topic has --------------------------------------


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize(
    ("name", "taken", "address"),
    [("Guinea Bissau", "Guinea-Bissau", "guinea-bissau"), ("Niger!", "Niger", "niger")],
)
def test_a_country_whose_address_another_has_is_refused(tmp_path, name, taken, address, dry_run):
    text = profile_text(head=HEAD.replace("Mali", name, 1))

    message = refusal(tmp_path, text, dry_run=dry_run)

    assert (
        f"mali.txt:1: the country “{name}” would have the address /countries/{address}/, "
        f"which “{taken}” already has; use that name or add it to its alternative names"
    ) in message


def test_a_country_name_without_an_address_is_refused(tmp_path):
    message = refusal(tmp_path, profile_text(head=HEAD.replace("Mali", "¿?", 1)))

    assert "mali.txt:1: the country “¿?” has no letters or digits to make its address" in message


@pytest.mark.parametrize("name", ["Guinea-Bissau", "guinea-bissau", "GUINEA-BISSAU"])
def test_a_name_that_matches_a_country_still_imports_to_it(tmp_path, name):
    path = tmp_path / "guinea-bissau.txt"
    path.write_text(profile_text(head=HEAD.replace("Mali", name, 1)))
    countries = Country.objects.count()

    import_profiles(path)

    assert Country.objects.count() == countries
    assert Profile.objects.get().country.name == "Guinea-Bissau"


@pytest.mark.parametrize("country", ["Mali", "Westmarch"], ids=["known-country", "new-country"])
def test_a_topic_whose_address_another_has_is_refused(tmp_path, country):
    text = profile_text(head=HEAD.replace("Mali", country).replace("Ban Policy", "Ban Policy!"))

    message = refusal(tmp_path, text)

    assert (
        "mali.txt:3: the topic “Cluster Munition Ban Policy!” would have the address "
        f"“cluster-munition-ban-policy” (as in /countries/{country.lower()}/"
        "cluster-munition-ban-policy/), which the topic “Cluster Munition Ban Policy” already "
        "has; use that name"
    ) in message


def test_the_clashes_of_every_file_are_reported_at_once(tmp_path):
    (tmp_path / "a.txt").write_text(profile_text(head=HEAD.replace("Mali", "Niger!", 1)))
    (tmp_path / "b.txt").write_text(profile_text(head=HEAD.replace("Mali", "Guinea Bissau", 1)))
    before = written()

    with pytest.raises(CommandError, match=r"(?s)a\.txt:1: .*b\.txt:1: .*2 problems found"):
        import_profiles(tmp_path / "a.txt", tmp_path / "b.txt")

    assert written() == before


# 2. Footnote numbers too long to be one -----------------------------------------------------

HUGE = "9" * 5_000  # more digits than Python turns into an int


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            profile_text(paragraph=f"Mali signed it.[{HUGE}]"),
            "mali.txt:9:16: the marker [999999…] has 5,000 digits; a footnote number has at most 6",
        ),
        (
            profile_text(footnotes=f"[1] Statement of Mali.\n\n[{HUGE}] Another."),
            "mali.txt:13:1: the footnote [999999…] has 5,000 digits",
        ),
        (
            profile_text(paragraph="Mali signed it.[1234567]"),
            "mali.txt:9:16: the marker [123456…] has 7 digits",
        ),
    ],
    ids=["marker", "footnote", "seven-digits"],
)
def test_a_footnote_number_of_more_than_six_digits_is_refused(tmp_path, text, expected):
    assert expected in refusal(tmp_path, text)


def test_edit_as_text_shows_a_long_marker_as_a_form_error(editor_client, mali):
    errors = edit_as_text(editor_client, mali, lambda text: text.replace("[1]", f"[{HUGE}]", 1))

    assert any("the marker [999999…] has 5,000 digits" in error for error in errors), errors


# 3. White space the database would cut ------------------------------------------------------

TOO_MUCH_SPACE = [" " * 11, "\t" * 11, "\xa0" * 11]
SPACE_IDS = ["spaces", "tabs", "no-break-spaces"]


@pytest.mark.parametrize("space", TOO_MUCH_SPACE, ids=SPACE_IDS)
def test_more_than_ten_white_space_characters_before_a_marker_are_refused(tmp_path, space):
    text = profile_text(paragraph=f"Mali signed it.{space}[1]")

    message = refusal(tmp_path, text)

    assert "mali.txt:9:16: 11 white-space characters before marker [1]; the most is 10" in message


@pytest.mark.parametrize("space", TOO_MUCH_SPACE, ids=SPACE_IDS)
def test_more_than_ten_white_space_characters_between_claims_are_refused(tmp_path, space):
    text = profile_text(paragraph=f"Mali signed it.[1]{space}It ratified it.")

    message = refusal(tmp_path, text)

    assert "mali.txt:9:19: 11 white-space characters between two claims; the most is 10" in message


@pytest.mark.parametrize("space", [" " * 10, "\t" * 10, "\xa0" * 10], ids=SPACE_IDS)
def test_ten_white_space_characters_come_back_exactly(tmp_path, space):
    text = profile_text(paragraph=f"Mali signed it.{space}[1]{space}It ratified it.")
    path = tmp_path / "mali.txt"
    path.write_text(text)

    import_profiles(path)

    assert export("mali", "cluster-munition-ban-policy") == text


def test_edit_as_text_shows_too_much_white_space_as_a_form_error(editor_client, mali):
    errors = edit_as_text(
        editor_client, mali, lambda text: text.replace("[1]", "\t" * 11 + "[1]", 1)
    )

    assert any("11 white-space characters before marker [1]" in error for error in errors), errors


# 4. Characters other programs read as line breaks -------------------------------------------


@pytest.mark.parametrize(
    ("character", "name"),
    [
        ("\u2028", "LINE SEPARATOR (U+2028)"),
        ("\u2029", "PARAGRAPH SEPARATOR (U+2029)"),
        ("\x85", "NEXT LINE (U+0085)"),
        ("\x0c", "FORM FEED (U+000C)"),
        ("\x0b", "LINE TABULATION (U+000B)"),
        ("\x1c", "INFORMATION SEPARATOR FOUR (U+001C)"),
        ("\x1d", "INFORMATION SEPARATOR THREE (U+001D)"),
        ("\x1e", "INFORMATION SEPARATOR TWO (U+001E)"),
    ],
)
def test_a_line_break_other_than_a_new_line_is_refused(tmp_path, character, name):
    text = profile_text(paragraph=f"Mali signed it.[1]{character}It ratified it.")

    message = refusal(tmp_path, text)

    assert f"mali.txt:9:19: {name} is not allowed; use a new line or a space" in message


@pytest.mark.parametrize(
    ("character", "name"),
    [("\u2028", "LINE SEPARATOR (U+2028)"), ("\x0c", "FORM FEED (U+000C)")],
)
def test_a_line_break_at_the_end_of_a_line_is_refused_too(tmp_path, character, name):
    # str.strip() takes these for white space: they are looked for before lines are stripped.
    message = refusal(tmp_path, profile_text(paragraph=f"Mali signed it.[1]{character}"))

    assert f"mali.txt:9:19: {name} is not allowed" in message


def test_edit_as_text_shows_a_line_separator_as_a_form_error(editor_client, mali):
    lines = profile_export(profile=mali).split("\n")
    line = next(number for number, text in enumerate(lines, 1) if "has stated several" in text)
    column = lines[line - 1].index("has stated several") + len("has stated ")

    errors = edit_as_text(
        editor_client,
        mali,
        lambda text: text.replace("has stated several", "has stated\u2028several"),
    )

    assert errors == [
        f"line {line}, column {column}: LINE SEPARATOR (U+2028) is not allowed; use a new line "
        "or a space"
    ]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_crlf_and_a_lone_cr_still_end_lines(tmp_path, newline):
    text = profile_text(paragraph=f"Mali signed it.[1]{' ' * 11}Too much space.")

    message = refusal(tmp_path, text.replace("\n", newline))

    assert "mali.txt:9:19: 11 white-space characters between two claims" in message


def test_no_code_reads_profile_text_with_splitlines():
    profiles = Path(textformat.__file__).parent
    modules = [
        "textformat.py",
        "importing.py",
        "edit_text.py",
        "forms.py",
        "snapshots.py",
        "management/commands/import_profile.py",
        "management/commands/export_profile.py",
    ]

    users = [
        module
        for module in modules
        for node in ast.walk(ast.parse((profiles / module).read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "splitlines"
    ]

    assert users == []


# 5. Limits -------------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    def parse_profile(*args, **kwargs):
        raise AssertionError("a file over the limit was parsed")

    monkeypatch.setattr(textformat, "parse_profile", parse_profile)
    text = profile_text()
    text += " " * (MAX_FILE_BYTES + 1 - len(text))

    message = refusal(tmp_path, text, dry_run=True)

    assert (
        "mali.txt: the file is 2,000,001 bytes; a profile may be at most 2,000,000 bytes (2 MB)"
        in message
    )


def claims(count: int) -> str:
    return "\n\n".join(f"Claim {number}." for number in range(1, count + 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"{HEAD}Policy\n\n{claims(MAX_CLAIMS + 1)}\n",
            f"mali.txt:{7 + 2 * (MAX_CLAIMS + 1)}: too many claims: a profile may have at most "
            "5,000, and claim 5,001 is on this line",
        ),
        (
            profile_text(
                paragraph="Mali signed it."
                + "".join(f"[{n}]" for n in range(1, MAX_FOOTNOTES + 2)),
                footnotes="\n".join(f"[{n}] Source {n}." for n in range(1, MAX_FOOTNOTES + 2)),
            ),
            f"mali.txt:{11 + MAX_FOOTNOTES}: too many footnotes: a profile may have at most "
            "5,000, and footnote 5,001 is on this line",
        ),
        (
            f"{HEAD}Summary: Mali ratified it.\n\n"
            + "\n\n".join(f"Heading {n}" for n in range(1, MAX_SECTIONS + 1))
            + "\n",
            f"mali.txt:{7 + 2 * MAX_SECTIONS}: too many sections: a profile may have at most "
            "1,000, and section 1,001 is on this line",
        ),
        (
            profile_text(
                head=f"{HEAD}Status\n\n"
                + "\n\n".join(f"Label {n}\n\nValue {n}" for n in range(1, 102))
                + "\n\n"
            ),
            "mali.txt:409: too many status-box rows: a profile may have at most 100, and row 101 "
            "starts on this line",
        ),
        (
            profile_text(paragraph="Mali" + " signed" * 3_000 + ".[1]"),
            "mali.txt:9:1: the claim is 21,005 characters long; the most is 20,000",
        ),
        (
            profile_text(footnotes="[1] Statement" + " of Mali" * 3_000 + "."),
            "mali.txt:11: footnote [1] is 24,010 characters long; the most is 20,000",
        ),
    ],
    ids=["claims", "footnotes", "sections", "status-box", "claim-length", "footnote-length"],
)
def test_a_profile_over_a_limit_is_refused(tmp_path, text, expected):
    assert expected in refusal(tmp_path, text)


def test_edit_as_text_refuses_a_text_over_the_size_limit(editor_client, mali):
    errors = edit_as_text(
        editor_client, mali, lambda text: text + "x" * (MAX_FILE_BYTES + 1 - len(text.encode()))
    )

    assert errors == [
        "the text is 2,000,001 bytes; a profile may be at most 2,000,000 bytes (2 MB)"
    ]


def test_edit_as_text_refuses_a_large_text_as_a_browser_sends_it(editor_client, mali):
    """A browser percent-encodes the form: 2 MB of accented text is 12 MB on the wire, which
    must still reach the form (and its message) rather than Django's bare 400."""
    url = f"/admin/profiles/profile/{mali.pk}/edit-text/"
    form = editor_client.get(url).context["form"]
    fields = {name: form[name].value() for name in ("text", "base", "version")}
    text = fields["text"] + "é" * ((MAX_FILE_BYTES - len(fields["text"].encode())) // 2 + 1)
    body = urlencode({**fields, "text": text, "preview": "1"})

    response = editor_client.post(url, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    size = len(text.replace("\r\n", "\n").encode())
    assert response.context["form"].errors["text"] == [
        f"the text is {size:,} bytes; a profile may be at most 2,000,000 bytes (2 MB)"
    ]


def test_edit_as_text_refuses_a_claim_over_the_length_limit(editor_client, mali):
    errors = edit_as_text(
        editor_client,
        mali,
        lambda text: text.replace("several times", "several times" + " again" * 4_000, 1),
    )

    assert len(errors) == 1
    assert re.fullmatch(
        r"line \d+, column \d+: the claim is [\d,]+ characters long; the most is 20,000",
        errors[0],
    )


@pytest.mark.parametrize(
    ("model", "form", "name"),
    [
        (Claim, ClaimAdminForm, "claim"),
        (Claim, ClaimInlineForm, "claim"),
        (Citation, CitationInlineForm, "footnote"),
    ],
)
def test_the_admin_forms_refuse_a_text_over_the_length_limit(model, form, name):
    form_class = modelform_factory(model, form=form, fields=["text"])

    too_long = form_class(data={"text": "x" * (MAX_TEXT_LENGTH + 1)})
    longest = form_class(data={"text": "x" * MAX_TEXT_LENGTH})

    assert too_long.errors["text"] == [
        f"The {name} is 20,001 characters long; the most is 20,000. Shorten it, or split it in two."
    ]
    assert "text" not in longest.errors


@pytest.mark.parametrize("page", ["claim", "footnote", "claim's footnote row"])
def test_the_admin_pages_refuse_a_text_over_the_length_limit(editor_client, mali, page):
    citation = Citation.objects.filter(claim__section__profile=mali).first()
    obj, field = {
        "claim": (citation.claim, "text"),
        "footnote": (citation, "text"),
        "claim's footnote row": (citation.claim, "citations-0-text"),
    }[page]
    url = admin_url(obj)
    data = changeform_data(editor_client.get(url), {field: "x" * (MAX_TEXT_LENGTH + 1)})
    before = written()

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert "characters long; the most is 20,000. Shorten it" in response.content.decode()
    assert written() == before


def test_the_docs_state_the_limits():
    docs = (DOCS / "text-format.md").read_text()

    for stated in [
        f"{MAX_FILE_BYTES // 1_000_000} MB",
        f"{MAX_CLAIMS:,} claims",
        f"{MAX_FOOTNOTES:,} footnotes",
        f"{MAX_SECTIONS:,} sections",
        f"{MAX_STATUS_BOX_ROWS} rows",
        f"{MAX_TEXT_LENGTH:,} characters",
        f"{MAX_MARKER_DIGITS} digits",
        f"{MAX_SPACING} white-space characters",
    ]:
        assert stated in docs, f"docs/text-format.md does not state “{stated}”"


def test_the_spacing_limit_is_the_databases():
    assert Claim._meta.get_field("separator").max_length == MAX_SPACING
    assert Citation._meta.get_field("marker_spacing").max_length == MAX_SPACING


# 6. "Summary:" alone on its line ---------------------------------------------------------------


@pytest.mark.parametrize(
    "summary",
    [
        "Summary:\n\nMali ratified it.\n\nMali has no stockpile.",
        "Summary: Mali ratified it.\n\nMali has no stockpile.",
        "Summary:",
    ],
    ids=["alone", "with-text", "empty"],
)
def test_the_summary_comes_back_as_it_was_written(tmp_path, summary):
    text = profile_text(head=f"{HEAD}{summary}\n\n")
    path = tmp_path / "mali.txt"
    path.write_text(text)

    import_profiles(path)

    assert export("mali", "cluster-munition-ban-policy") == text


@pytest.mark.parametrize(
    ("page", "text", "message"),
    [
        ("claim", "Two\nlines.", "The claim is part of a paragraph and cannot hold a line break"),
        ("claim", "Mali said so [3] twice.", "The claim holds “[3]”, which the text format"),
        ("claim", "Mali\u2028said so.", "LINE SEPARATOR (U+2028) is not allowed"),
        ("footnote", "Email.\n\nAnd more.", "The footnote cannot hold an empty line"),
        ("footnote", "Email.\n[9] Statement.", "has a line starting “[n]”"),
    ],
)
def test_the_admin_refuses_text_the_export_would_not_give_back(
    editor_client, mali, page, text, message
):
    citation = Citation.objects.filter(claim__section__profile=mali).first()
    obj = citation.claim if page == "claim" else citation
    url = admin_url(obj)
    data = changeform_data(editor_client.get(url), {"text": text})
    before = written()

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert written() == before


def test_a_footnote_over_several_lines_typed_in_the_admin_comes_back_from_the_export(
    editor_client, mali
):
    citation = Citation.objects.filter(claim__section__profile=mali).first()
    url = admin_url(citation)
    data = changeform_data(editor_client.get(url), {"text": "Email, 2010.\nNotes by the CMC."})

    assert editor_client.post(url, data).status_code == 302

    text = export("mali", "cluster-munition-ban-policy")
    records = history_count()
    import_text(text, "mali-cluster-munition-ban-policy.txt")
    assert export("mali", "cluster-munition-ban-policy") == text
    assert history_count() == records  # nothing differed, so nothing was written


# 7. One mistake, reported once ---------------------------------------------------------------


def test_the_importer_names_a_stray_marker_and_folds_the_markers_it_puts_out_of_order(tmp_path):
    text = profile_text(
        paragraph="One.[1] Stray.[9] Two.[2] Three.[3]",
        footnotes="[1] One.\n[2] Two.\n[3] Three.",
    )

    message = refusal(tmp_path, text)

    assert message.splitlines() == [
        f"{tmp_path / 'mali.txt'}:9: marker [9] has no footnote [9]",
        "  (2 more markers are out of order only because of this one: line 9)",
        "3 problems found; nothing was imported.",
    ]
