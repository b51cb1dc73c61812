#!/usr/bin/env python
"""Micro-benchmark Monitor's hot paths in-process on a throwaway database; print times and
query counts.

    .venv/bin/python scripts/micro_benchmark.py [--claims 300] [--repeat 5]
        [--history-records 10000]

Times parsing, importing, re-importing and exporting a synthetic profile of --claims claims,
its public pages against a small demo profile's, and the admin history pages once the profile
has --history-records history records; no server, no load. For the site under load (gunicorn,
wrk, nginx), see scripts/load_benchmark.py (`make bench`).

Uses a fresh SQLite file unless DATABASE_URL is set (then a database named in it is used as
is: point it at a scratch database). Figures are medians of --repeat runs.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def synthetic_profile(claims: int) -> str:
    """A profile of `claims` claims, each with one footnote, in sections of 20 claims."""
    blocks = ["Benchmarkland", "Cluster Munition Ban Policy", "Last updated: 07 June 2016"]
    blocks.append("Summary: State Party Benchmarkland ratified the convention on 1 May 2010.")
    footnotes = []
    for number in range(1, claims + 1):
        if number % 20 == 1:
            blocks.append(f"Section {number // 20 + 1}")
        blocks.append(
            f"Benchmarkland made statement number {number} about its cluster munition "
            f"policy at a meeting in Geneva.[{number}]"
        )
        footnotes.append(
            f"[{number}] Statement of Benchmarkland, Convention on Cluster Munitions "
            f"Meeting of States Parties, Geneva, {number % 28 + 1} September 2015. "
            "Notes by the CMC."
        )
    return "\n\n".join(blocks + footnotes) + "\n"


def median_seconds(action, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--claims", type=int, default=300, help="claims of the synthetic profile (%(default)s)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each measurement (%(default)s)"
    )
    parser.add_argument(
        "--history-records",
        type=int,
        default=10_000,
        help="history records to give the profile before timing its history pages (%(default)s)",
    )
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="monitor-micro-benchmark-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    # The test settings: production's, with static files served without collectstatic.
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from profiles.importing import profile_export, profiles_import
    from profiles.models import Profile
    from profiles.textformat import parse_profile

    call_command("migrate", verbosity=0)
    text = synthetic_profile(options.claims)
    path = workdir / "benchmarkland.txt"
    path.write_text(text)
    print(f"database: {connection.vendor}; profile: {options.claims} claims and footnotes")

    parse_time = median_seconds(lambda: parse_profile(text), options.repeat)
    print(f"parse:              {parse_time * 1000:8.1f} ms")

    import_times = []
    for _ in range(options.repeat):
        Profile.objects.filter(country__slug="benchmarkland").delete()
        document = parse_profile(text, filename=path.name)
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            profiles_import(documents=[document])
        import_times.append(time.perf_counter() - start)
    print(
        f"first import:       {statistics.median(import_times) * 1000:8.1f} ms "
        f"({len(queries)} queries)"
    )

    with CaptureQueriesContext(connection) as queries:
        reimport_time = median_seconds(
            lambda: profiles_import(documents=[parse_profile(text, filename=path.name)]), 1
        )
    print(f"unchanged re-import:{reimport_time * 1000:8.1f} ms ({len(queries)} queries)")

    start = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        call_command("import_profile", str(path), stdout=devnull)
    print(f"import_profile cmd: {(time.perf_counter() - start) * 1000:8.1f} ms (unchanged file)")

    profile = Profile.objects.get(country__slug="benchmarkland")
    with CaptureQueriesContext(connection) as queries:
        export_time = median_seconds(lambda: profile_export(profile=profile), options.repeat)
    print(
        f"export:             {export_time * 1000:8.1f} ms "
        f"({len(queries) // options.repeat} queries)"
    )
    bench_public_pages(options.repeat)
    bench_prepared_lookup(options.repeat)
    bench_history(options.repeat, records=options.history_records)


def bench_public_pages(repeat: int) -> None:
    """Time the public pages of the benchmark profile against Mali's: ratios, query counts."""
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    mali = ROOT / "profiles/demo/mali-cluster-munition-ban-policy.txt"
    with open(os.devnull, "w") as devnull:
        call_command("import_profile", str(mali), "--publish", stdout=devnull)
        call_command(
            "publish_profile", "benchmarkland", "cluster-munition-ban-policy", stdout=devnull
        )
    client = Client()
    pages = [
        "/countries/{}/cluster-munition-ban-policy/",
        "/countries/{}/cluster-munition-ban-policy.json",
        "/countries/{}/cluster-munition-ban-policy.txt",
        "/countries/{}/cluster-munition-ban-policy/editions/",
    ]
    print("public page (Mali 14 claims vs Benchmarkland)   queries   time ratio")
    for page in pages:
        results = {}
        for country in ("mali", "benchmarkland"):
            url = page.format(country)
            client.get(url)  # warm up
            with CaptureQueriesContext(connection) as queries:
                seconds = median_seconds(lambda url=url: client.get(url), repeat)
            results[country] = (len(queries) // repeat, seconds)
        (mali_q, mali_t), (big_q, big_t) = results["mali"], results["benchmarkland"]
        print(
            f"  {page.format('…'):<48} {mali_q} vs {big_q}    {big_t / mali_t:5.1f}x "
            f"({mali_t * 1000:.1f} ms vs {big_t * 1000:.1f} ms)"
        )
    for url in [
        "/",
        "/countries/",
        "/countries/mali/",
        "/treaties/convention-on-cluster-munitions/",
        "/search/?q=Geneva",
    ]:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            seconds = median_seconds(lambda url=url: client.get(url), repeat)
        print(f"  {url:<48} {len(queries) // repeat} queries, {seconds * 1000:.1f} ms")


def bench_prepared_lookup(repeat: int, calls: int = 2000) -> None:
    """Time the latest-edition lookup behind every report visit as a PreparedQuery and as a
    plain ORM query, alone and within a revisit answered 304 Not Modified."""
    from django.db.models import F
    from django.test import Client

    from profiles.models import Publication
    from profiles.views.reports import HEAD_FIELDS, LATEST_EDITION_HEAD

    def orm(country, topic):
        return (
            Publication.objects.public()
            .of(country, topic)
            .filter(profile__latest_publication=F("pk"))
            .values_list(*HEAD_FIELDS)
            .first()
        )

    mali = {"country": "mali", "topic": "cluster-munition-ban-policy"}
    assert LATEST_EDITION_HEAD.run(**mali) == orm(**mali)
    client = Client()
    url = "/countries/mali/cluster-munition-ban-policy/"
    etag = client.get(url)["ETag"]

    def per_call(function, count: int) -> float:
        def run():
            for _ in range(count):
                function()

        return median_seconds(run, repeat) / count

    def revisit():
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    prepared_run = LATEST_EDITION_HEAD.run
    lookup = per_call(lambda: prepared_run(**mali), calls)
    revisit_time = per_call(revisit, calls // 10)
    LATEST_EDITION_HEAD.run = lambda **values: orm(**values)
    try:
        orm_lookup = per_call(lambda: orm(**mali), calls)
        orm_revisit_time = per_call(revisit, calls // 10)
    finally:
        LATEST_EDITION_HEAD.run = prepared_run
    print("latest-edition lookup           prepared    ORM")
    print(f"  the lookup alone              {lookup * 1e6:6.0f} µs {orm_lookup * 1e6:6.0f} µs")
    print(
        f"  a 304 revisit of the report   {revisit_time * 1e6:6.0f} µs "
        f"{orm_revisit_time * 1e6:6.0f} µs"
    )


def bench_history(repeat: int, *, records: int) -> None:
    """Give the benchmark profile `records` history records (edits of a few claims each, one
    change set per edit), then time its admin history pages."""
    from django.core.paginator import Paginator
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from simple_history.utils import bulk_update_with_history

    from history.changesets import change_set, current_change_set
    from profiles.admin_views import CHANGE_SETS_PER_PAGE
    from profiles.models import Claim, Profile
    from profiles.timeline import HISTORY_MODELS, _scopes, profile_change_sets
    from tests.factories import make_user

    profile = Profile.objects.get(country__slug="benchmarkland")

    def history_count() -> int:
        scopes = _scopes(profile.pk)
        return sum(
            model.history.filter(scopes[name]).count() for name, model in HISTORY_MODELS.items()
        )

    user = make_user("benchmark", superuser=True)
    claims = list(Claim.objects.filter(section__profile=profile).order_by("pk"))
    start = time.perf_counter()
    existing = history_count()
    edits = max(records - existing, 0)
    # Each edit changes four claims at once in a change set of its own, as one admin save of
    # a section's claims would; bulk_update_with_history writes the records in two queries.
    with transaction.atomic():
        for number in range(0, edits, 4):
            batch = [claims[(number + offset) % len(claims)] for offset in range(4)]
            batch = batch[: edits - number]
            for offset, claim in enumerate(batch):
                claim.text = f"{claim.text.split(' (edit')[0]} (edit {number + offset})"
            with change_set(action="edit", user=user, reason=f"Benchmark edit {number // 4}"):
                bulk_update_with_history(
                    batch,
                    Claim,
                    ["text"],
                    default_user=user,
                    default_change_reason="Benchmark edit",
                    custom_historical_attrs={"change_set": current_change_set(user=user)},
                )
    total = history_count()
    print(
        f"history: {total} records within the profile "
        f"({(time.perf_counter() - start):.1f} s to write {total - existing})"
    )
    if total < records:
        return

    client = Client()
    client.force_login(user)
    base = f"/admin/profiles/profile/{profile.pk}/timeline/"
    change_sets = profile_change_sets(profile)
    newest = change_sets.first()
    middle = change_sets[change_sets.count() // 2].created_at.isoformat()
    last_page = Paginator(change_sets, CHANGE_SETS_PER_PAGE).num_pages
    pages = [
        ("timeline, first page", base),
        (f"timeline, last page ({last_page})", f"{base}?page={last_page}"),
        ("as it stood half way through", f"{base}at/?{_query(when=middle)}"),
        ("compare half way through with now", f"{base}compare/?{_query(**{'from': middle})}"),
        ("newest change set compared", f"{base}change-sets/{newest.pk}/compare/"),
        ("what will change on publishing", f"{base}compare-publication/"),
        ("revert the newest change set (confirm)", f"{base}change-sets/{newest.pk}/revert/"),
    ]
    print(f"admin history page ({total} history records)        queries   median time")
    for label, url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            seconds = median_seconds(lambda url=url: client.get(url), repeat)
        print(f"  {label:<48} {len(queries) // repeat:>3}   {seconds * 1000:8.1f} ms")


def _query(**values) -> str:
    from django.utils.http import urlencode

    return urlencode(values)


if __name__ == "__main__":
    main()
