"""The documentation: README.md and docs/*.md.

Every relative link leads to a file that exists (and, for a #anchor into a Markdown file, to
one of its headings); the README stays a short front door; and no page points readers at an
issue number they cannot follow.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 150

# [text](target) and ![alt](target); the target ends at white space or the closing bracket.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
ISSUE_NUMBER = re.compile(r"\bissues?\s+#?\d+|(?<![\w&])#\d+\b", re.IGNORECASE)


def without_code_blocks(text: str) -> str:
    """Drop fenced code blocks, where a line starting with # is no heading."""
    return re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)


def without_code(text: str) -> str:
    """Drop code blocks and inline code, where brackets are no links."""
    return re.sub(r"`[^`\n]*`", "", without_code_blocks(text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|__", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, seen = set(), {}
    for line in without_code_blocks(path.read_text()).splitlines():
        match = HEADING.match(line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    links = LINK.findall(without_code(path.read_text()))
    return [link for link in links if not re.match(r"[a-z][a-z0-9+.-]*:", link)]


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("doc", DOCS, ids=name)
def test_relative_links_resolve(doc):
    broken = []
    for link in relative_links(doc):
        target, _, anchor = link.partition("#")
        target_path = (doc.parent / target).resolve() if target else doc
        if not target_path.exists():
            broken.append(f"{link}: no such file")
        elif anchor and target_path.suffix == ".md" and anchor not in anchors(target_path):
            broken.append(f"{link}: no heading #{anchor} in {name(target_path)}")

    assert not broken, f"{name(doc)} has broken links:\n" + "\n".join(broken)


@pytest.mark.parametrize("doc", DOCS, ids=name)
def test_no_issue_numbers(doc):
    mentions = ISSUE_NUMBER.findall(doc.read_text())

    assert not mentions, f"{name(doc)} refers to issue numbers a reader cannot follow: {mentions}"


def test_readme_is_short():
    lines = len(README.read_text().splitlines())

    assert lines < README_MAX_LINES, f"README.md has {lines} lines; keep it a front door"


def test_every_doc_is_listed_in_the_index():
    index = (ROOT / "docs" / "index.md").read_text()
    pages = [doc for doc in DOCS if doc.parent.name == "docs" and doc.name != "index.md"]

    assert pages, "no documents found in docs/"
    missing = [name(doc) for doc in pages if f"({doc.name})" not in index]
    assert not missing, f"docs/index.md does not link to {missing}"


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Backup and restore", "backup-and-restore"),
        ("3. The environment", "3-the-environment"),
        ("`make bench`", "make-bench"),
        ("Editors' guide", "editors-guide"),
        ("Measured results (SQLite, 2-core)", "measured-results-sqlite-2-core"),
    ],
)
def test_slug_follows_github(heading, expected):
    assert slug(heading) == expected
