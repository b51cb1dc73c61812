"""The shape of the code: apps depend downwards (citations → profiles → history), shared
machinery lives in history, and a long module says why it is long."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("history", "profiles", "citations", "monitor")
LONG_MODULE = 700
LONG_MODULE_NOTE = f"Over {LONG_MODULE} lines"


def imports_of(path: Path) -> set[str]:
    """Return every module a file imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def app_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in APPS else None


def modules(app: str) -> list[Path]:
    return [path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]


def test_no_two_apps_models_import_each_other():
    uses = {
        app: {app_of(name) for name in imports_of(ROOT / app / "models.py")} - {None, app}
        for app in APPS
        if (ROOT / app / "models.py").exists()
    }

    cycles = [(a, b) for a in uses for b in uses[a] if a in uses.get(b, set())]

    assert cycles == []
    assert uses["citations"] == {"history", "profiles"}
    assert uses["profiles"] == {"history"}
    assert uses["history"] == set()


def test_history_builds_on_no_domain_app():
    domain = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules("history")
        for name in imports_of(path)
        if app_of(name) in {"profiles", "citations"}
    }

    assert domain == set()


@pytest.mark.parametrize("private", ["profiles.admin", "profiles.forms", "profiles.versions"])
def test_citations_takes_shared_machinery_from_history_not_profiles(private):
    users = [
        str(path.relative_to(ROOT))
        for path in modules("citations")
        if any(name == private or name.startswith(f"{private}.") for name in imports_of(path))
    ]

    assert users == []


def test_a_long_module_says_why_at_its_top():
    unexplained = [
        str(path.relative_to(ROOT))
        for app in (*APPS, "scripts")
        for path in modules(app)
        if len(path.read_text().splitlines()) > LONG_MODULE
        and LONG_MODULE_NOTE not in "\n".join(path.read_text().splitlines()[:40])
    ]

    assert unexplained == []
