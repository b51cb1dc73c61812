"""Load the ISO 3166 countries and the other areas the Monitor reports on.

The list lives in profiles/data/countries.csv (built once with scripts/build_countries_csv.py), so
this migration gives the same rows whatever version of pycountry is installed.
"""

import csv
from pathlib import Path

from django.db import migrations
from django.utils import timezone

COUNTRIES_CSV = Path(__file__).resolve().parent.parent / "data" / "countries.csv"
CHANGE_REASON = "Loaded ISO 3166 country list"


def read_countries():
    with COUNTRIES_CSV.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            yield {
                **row,
                "is_other_area": row["is_other_area"] == "true",
                # One name per line in the database; "|" only separates them in the CSV.
                "alternative_names": "\n".join(row["alternative_names"].split("|")).strip(),
            }


def load_countries(apps, schema_editor):
    Country = apps.get_model("profiles", "Country")
    HistoricalCountry = apps.get_model("profiles", "HistoricalCountry")
    rows = list(read_countries())
    Country.objects.bulk_create(Country(**row) for row in rows)

    # Historical models do not write history, so give each country its starting point here.
    # Read the ids back rather than trusting bulk_create to set them on every database.
    ids = dict(
        Country.objects.filter(slug__in=[row["slug"] for row in rows]).values_list("slug", "id")
    )
    now = timezone.now()
    HistoricalCountry.objects.bulk_create(
        HistoricalCountry(
            id=ids[row["slug"]],
            **row,
            history_date=now,
            history_type="+",
            history_change_reason=CHANGE_REASON,
            history_user=None,
        )
        for row in rows
    )


def unload_countries(apps, schema_editor):
    Country = apps.get_model("profiles", "Country")
    HistoricalCountry = apps.get_model("profiles", "HistoricalCountry")
    countries = Country.objects.filter(slug__in=[row["slug"] for row in read_countries()])
    HistoricalCountry.objects.filter(id__in=list(countries.values_list("id", flat=True))).delete()
    countries.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_countries, unload_countries),
    ]
