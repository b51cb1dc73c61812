"""Versioned models are written through save()/delete() or simple-history's
bulk_*_with_history helpers, never QuerySet.update(), bulk_update() or bulk_create(), which
write no history record.

The scan reads the project's source with `ast` and reports each such call whose receiver is
a manager or queryset: `Model.objects…`, a chain of queryset methods, a related manager
(`profile.sections`), or a name bound to one of those in the same function (including a
parameter annotated QuerySet or named queryset). Calls on a model that keeps no history are
allowed when the model can be told from the call (`SearchEntry.objects.filter(…).update(…)`);
any other justified call carries a comment `# history-safe: <why>` on its line or the line
above.
"""

import ast

from django.apps import apps

from history.versions import is_versioned
from tests.conftest import ROOT

SOURCES = ["history", "profiles", "citations", "monitor"]
MARKER = "# history-safe:"
WRITES = {"update", "bulk_update", "bulk_create"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
QUERYSET_METHODS = {
    "all",
    "alias",
    "annotate",
    "defer",
    "distinct",
    "exclude",
    "extra",
    "filter",
    "none",
    "only",
    "order_by",
    "prefetch_related",
    "reverse",
    "select_for_update",
    "select_related",
    "using",
    "values",
    "values_list",
}
QUERYSET_NAMES = {"queryset", "qs"}
UNKNOWN = object()  # a queryset of a model the scan cannot tell


def models_by_name():
    return {model.__name__: model for model in apps.get_models()}


def related_managers():
    """Return the names of related managers, e.g. "sections", with the model they manage."""
    managers = {}
    for model in apps.get_models():
        for relation in model._meta.related_objects:
            if relation.one_to_many or relation.many_to_many:
                managers[relation.get_accessor_name()] = relation.related_model
        for field in model._meta.many_to_many:
            managers[field.name] = field.related_model
    return managers


class Scanner(ast.NodeVisitor):
    """Find calls that write a versioned model's rows without history."""

    def __init__(self, models, managers):
        self.models = models
        self.managers = managers
        self.scopes = [{}]  # per function: name → the model its queryset is of, or UNKNOWN
        self.found = []  # (line, call source)

    def model_of(self, node):
        """Return the model a manager or queryset expression is of, UNKNOWN when it is one of
        an unknown model, or None when it is not a manager or queryset."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in QUERYSET_METHODS:
                return self.model_of(node.func.value) or UNKNOWN
            return None
        if isinstance(node, ast.Attribute):
            if node.attr in MANAGERS:
                if isinstance(node.value, ast.Name):
                    return self.models.get(node.value.id, UNKNOWN)
                return UNKNOWN
            return self.managers.get(node.attr)
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope:
                    return scope[node.id]
            if node.id in QUERYSET_NAMES or node.id.endswith(("_queryset", "_qs")):
                return UNKNOWN
        return None

    def visit_FunctionDef(self, node):
        scope = {}
        arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        for argument in arguments:
            annotation = ast.unparse(argument.annotation) if argument.annotation else ""
            if "QuerySet" in annotation or "Manager" in annotation:
                scope[argument.arg] = UNKNOWN
        self.scopes.append(scope)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node):
        model = self.model_of(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if model is not None:
                    self.scopes[-1][target.id] = model
                else:
                    self.scopes[-1].pop(target.id, None)
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in WRITES:
            model = self.model_of(func.value)
            if model is UNKNOWN or (model is not None and is_versioned(model)):
                self.found.append((node.lineno, ast.unparse(node)))
        self.generic_visit(node)


def unrecorded_writes(source: str, models=None, managers=None) -> list[tuple[int, str]]:
    """Return (line, call) for each call in source that may write a versioned model's rows
    without history and carries no history-safe marker."""
    scanner = Scanner(
        models_by_name() if models is None else models,
        related_managers() if managers is None else managers,
    )
    scanner.visit(ast.parse(source))
    lines = source.splitlines()

    def marked(line):
        above = lines[line - 2].strip() if line > 1 else ""
        return MARKER in lines[line - 1] or above.startswith(MARKER)

    return [(line, call) for line, call in scanner.found if not marked(line)]


def project_files():
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_code_writes_versioned_rows_without_history():
    models, managers = models_by_name(), related_managers()
    found = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in project_files()
        for line, call in unrecorded_writes(path.read_text(), models, managers)
    ]

    assert found == [], "These calls write versioned models without history:\n" + "\n".join(found)


class ScannerTests:
    def scan(self, source):
        return [call for _line, call in unrecorded_writes(source)]

    def test_finds_update_on_a_manager_and_a_queryset(self):
        source = (
            "Claim.objects.update(text='')\n"
            "Claim.objects.filter(pk=1).update(text='')\n"
            "Section._default_manager.all().update(heading='')\n"
        )

        assert len(self.scan(source)) == 3

    def test_finds_bulk_writes(self):
        source = "Claim.objects.bulk_update(claims, ['text'])\nSource.objects.bulk_create(new)\n"

        assert len(self.scan(source)) == 2

    def test_finds_update_on_a_related_manager(self):
        source = (
            "profile.sections.update(level=1)\n"
            "self.citations.exclude(review_state='unreviewed').update(review_state='verified')\n"
        )

        assert len(self.scan(source)) == 2

    def test_finds_update_on_a_name_bound_to_a_queryset(self):
        source = (
            "def rename(pks):\n"
            "    claims = Claim.objects.filter(pk__in=pks)\n"
            "    claims.update(text='')\n"
            "def act(modeladmin, request, queryset):\n"
            "    queryset.update(notes='')\n"
            "def fill(entries: QuerySet):\n"
            "    entries.update(text='')\n"
        )

        assert self.scan(source) == [
            "claims.update(text='')",
            "queryset.update(notes='')",
            "entries.update(text='')",
        ]

    def test_finds_update_on_a_queryset_of_an_unknown_model(self):
        assert self.scan("get_model().objects.filter(pk=1).update(x=1)\n") != []

    def test_allows_models_without_history(self):
        source = (
            "SearchEntry.objects.filter(profile_id=1).update(search_vector=None)\n"
            "entries = SearchEntry.objects.all()\n"
            "entries.update(heading='')\n"
            "profile.search_entries.update(heading='')\n"
        )

        assert self.scan(source) == []

    def test_ignores_dicts_sets_and_counters(self):
        source = (
            "context.update(form=form)\n"
            "kwargs.update({'a': 1})\n"
            "seen = set()\n"
            "seen.update(pks)\n"
            "report.counts.update(created=1)\n"
        )

        assert self.scan(source) == []

    def test_a_marker_allows_a_justified_call(self):
        source = (
            "Claim.objects.update(text='')  # history-safe: a test fixture\n"
            "# history-safe: rows written by the migration itself\n"
            "Claim.objects.update(paragraph=1)\n"
            "Claim.objects.update(position=1)\n"
        )

        assert self.scan(source) == ["Claim.objects.update(position=1)"]
