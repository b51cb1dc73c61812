"""The plain-text importer takes any text: it imports it, or refuses it with file:line: reason
messages and writes nothing. No other exception, and never a partial write."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import example, given
from hypothesis import strategies as st

from profiles.importing import profile_export, profiles_import
from profiles.textformat import ProfileFormatError, parse_profile
from tests.conftest import EASTMARCH, MALI, WESTMARCH
from tests.hardening.conftest import HARDENING, database_state, rolled_back

pytestmark = pytest.mark.django_db

FIXTURE_TEXTS = [path.read_text(encoding="utf-8") for path in (MALI, WESTMARCH, EASTMARCH)]
PROBLEM = re.compile(r"^.+?(:\d+)?: .+", re.DOTALL)

# Any text a file could hold once decoded: control characters, NULs, any plane of unicode
# (no surrogates, which UTF-8 cannot encode), sometimes very long lines.
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
long_line = st.integers(1_000, 20_000).map(lambda n: "x" * n)
line = st.one_of(any_text, long_line, st.sampled_from(["", "[1]", "[0] x", "[99999999999] x"]))
header = st.tuples(any_text, any_text).map(lambda pair: f"{pair[0]}\n{pair[1]}\n")
last_updated = st.one_of(
    st.just("Last updated: 07 June 2016"),
    any_text.map(lambda text: f"Last updated: {text}"),
    st.sampled_from(["Last updated: 31 February 2016", "Last updated: 01 January 0001"]),
)
profile_with_any_body = st.builds(
    lambda head, updated, body: f"{head}\n{updated}\n\n" + "\n\n".join(body),
    header,
    last_updated,
    st.lists(line, max_size=8),
)


@st.composite
def mutated_fixture(draw) -> str:
    """A real profile file with a few lines deleted, duplicated, swapped, replaced or
    inserted, or its footnote numbers changed."""
    lines = draw(st.sampled_from(FIXTURE_TEXTS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        operation = draw(
            st.sampled_from(["delete", "duplicate", "swap", "insert", "replace", "renumber"])
        )
        if operation == "delete" and len(lines) > 1:
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, lines[index])
        elif operation == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif operation == "insert":
            lines.insert(index, draw(line))
        elif operation == "replace":
            lines[index] = draw(line)
        elif operation == "renumber":
            number = draw(st.one_of(st.integers(-5, 60), st.integers(10**9, 10**30)))
            lines[index] = re.sub(r"\[\d+\]", f"[{number}]", lines[index], count=1)
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n", "\n\n\n"]))


profile_texts = st.one_of(any_text, profile_with_any_body, mutated_fixture())


def import_text(text: str):
    """Parse and import text; return the reports, or the ProfileFormatError."""
    try:
        return profiles_import(documents=[parse_profile(text, filename="arbitrary.txt")])
    except ProfileFormatError as error:
        return error


@HARDENING
@given(text=profile_texts)
@example(text="")
@example(
    text="Testland\n\nTopic\n\nLast updated: 07 June 0126\n\nPolicy\n\nA claim.[1]\n\n[1] A note."
)
@example(text="\x00\n\x00\nLast updated: 07 June 2016\n\nPolicy\n\nA claim.[1]\n\n[1] A note.")
def test_any_text_is_imported_or_refused_with_its_lines_and_nothing_written(text):
    before = database_state()
    with rolled_back():
        result = import_text(text)
        if isinstance(result, ProfileFormatError):
            assert result.problems
            for problem in result.problems:
                assert problem.filename == "arbitrary.txt"
                assert PROBLEM.match(str(problem))
                assert problem.message.strip()
            assert database_state() == before
        else:
            (report,) = result
            assert parse_profile(profile_export(profile=report.profile)) is not None


@HARDENING
@given(text=profile_texts)
def test_the_command_imports_any_file_or_refuses_it_with_a_command_error(text, tmp_path):
    path = tmp_path / "arbitrary.txt"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = database_state()
    with rolled_back():
        try:
            call_command("import_profile", str(path), stdout=StringIO())
        except CommandError as error:
            assert "nothing was imported" in str(error)
            assert str(path) in str(error) or "arbitrary.txt" in str(error)
            assert database_state() == before


# What the properties found: each was an uncaught database error, or a row with no address.

HEAD = "Testland\n\nTest Topic Policy\n\nLast updated: 07 June 2016\n\n"
BODY = "Policy\n\nA claim.[1]\n\n[1] A note.\n"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (HEAD + "Policy\n\nA cla\x00im.[1]\n\n[1] A note.\n", 9, "control character (U+0000)"),
        (HEAD + BODY.replace("A note", "A\x07note"), 11, "control character (U+0007)"),
        (f"{'X' * 101}\n\nTopic\n\nLast updated: 07 June 2016\n\n{BODY}", 1, "the most is 100"),
        (f"Testland\n\n{'T' * 201}\n\nLast updated: 07 June 2016\n\n{BODY}", 3, "the most is 200"),
        ("Testland\n\n!!!\n\nLast updated: 07 June 2016\n\n" + BODY, 3, "no letters or digits"),
        (f"Testland\n\n{'ﬃ' * 40}\n\nLast updated: 07 June 2016\n\n{BODY}", 3, "address of 120"),
        (HEAD + f"{'H' * 301}\n\nA claim.[1]\n\n[1] A note.\n", 7, "the most is 300"),
        (HEAD + f"{'S' * 201}\n\nLabel\n\nValue\n\n{BODY}", 7, "the most is 200"),
    ],
    ids=[
        "nul",
        "bell",
        "long-country",
        "long-topic",
        "topic-no-slug",
        "topic-long-slug",
        "heading",
        "status-box-heading",
    ],
)
def test_text_the_database_cannot_hold_is_refused_with_its_line(text, line, reason, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    before = database_state()

    with pytest.raises(CommandError) as refused:
        call_command("import_profile", str(path), stdout=StringIO())

    assert f"bad.txt:{line}:" in str(refused.value)  # a column may follow
    assert reason in str(refused.value)
    assert database_state() == before


def test_a_new_country_without_an_address_is_refused_with_its_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("\n***\n\nTest Topic Policy\n\nLast updated: 07 June 2016\n\n" + BODY)
    before = database_state()

    with pytest.raises(CommandError, match=r"bad.txt:2: the country “\*\*\*” has no letters"):
        call_command("import_profile", str(path), stdout=StringIO())

    assert database_state() == before


def test_the_formats_limits_are_the_databases():
    from profiles import textformat
    from profiles.models import Country, Profile, Section, Topic

    def limit(model, name):
        return model._meta.get_field(name).max_length

    assert limit(Country, "name") == textformat.MAX_COUNTRY_LENGTH
    assert limit(Topic, "name") == textformat.MAX_TOPIC_LENGTH
    assert limit(Section, "heading") == textformat.MAX_HEADING_LENGTH
    assert limit(Profile, "status_box_heading") == textformat.MAX_STATUS_BOX_HEADING_LENGTH
    assert textformat.MAX_SLUG_LENGTH == limit(Country, "slug") == limit(Topic, "slug")
