"""Queries built with the ORM once and then run as SQL: for the few lookups every public
request makes, where building and compiling a query costs many times more than running it.

    EDITION = PreparedQuery(lambda country, topic: Publication.objects.filter(...).values_list(...))
    row = EDITION.run(country="mali", topic="cluster-munition-ban-policy")

The queryset is built from placeholders on first use, compiled for the default database, and
its SQL kept with the positions of the placeholders among its parameters. Each run executes
that SQL with the real values and converts the first row as the ORM would (dates, times).

It compiles through private ORM internals (Query.get_compiler, SQLCompiler.select, col_count,
get_converters), kept for a measured reason: the report's latest-edition lookup runs in 63 µs
prepared against 956 µs built through the ORM each time, so a revisit answered 304 costs
528 µs instead of 1,609 µs (scripts/micro_benchmark.py, SQLite). tests/profiles/test_prepared.py
compares its rows with the ORM's, so a Django upgrade that changes those internals fails there.
"""

from __future__ import annotations

import inspect

from django.db import connection


class PreparedQuery:
    def __init__(self, build):
        """`build(**placeholders)` returns a values_list() queryset; each keyword argument must
        reach the SQL as a parameter (a filter value), not shape the query."""
        self._build = build
        self._names = list(inspect.signature(build).parameters)
        self._compiled = None

    def run(self, **values):
        """Return the query's first row for these values, or None."""
        sql, parameters, converters = self._compile()
        with connection.cursor() as cursor:
            cursor.execute(sql, [values[p] if isinstance(p, _Slot) else p for p in parameters])
            row = cursor.fetchone()
        if row is None:
            return None
        return tuple(
            _convert(value, converters.get(index), connection) for index, value in enumerate(row)
        )

    def _compile(self):
        if self._compiled is None or self._compiled[0] != connection.vendor:
            slots = {name: f"\x00prepared:{name}\x00" for name in self._names}
            queryset = self._build(**slots)
            compiler = queryset.query.get_compiler(connection=connection)
            sql, parameters = compiler.as_sql()
            by_marker = {marker: _Slot(name) for name, marker in slots.items()}
            parameters = [by_marker.get(p, p) if isinstance(p, str) else p for p in parameters]
            missing = set(self._names) - {p for p in parameters if isinstance(p, _Slot)}
            if missing:
                raise ValueError(f"These arguments do not reach the SQL: {sorted(missing)}")
            fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
            self._compiled = (connection.vendor, (sql, parameters, compiler.get_converters(fields)))
        return self._compiled[1]


class _Slot(str):
    """A parameter filled in at run time: the name of run()'s keyword argument."""


def _convert(value, converters, connection):
    if converters is None:
        return value
    functions, expression = converters
    for function in functions:
        value = function(value, expression, connection)
    return value
