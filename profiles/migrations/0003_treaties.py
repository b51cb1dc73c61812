"""Create the treaties the Monitor reports on and the topics tied to them."""

import datetime

from django.db import migrations
from django.utils import timezone

CHANGE_REASON = "Loaded treaties and topics"
TREATY_FIELDS = ["name", "short_name", "slug", "adopted_on", "entry_into_force_on"]
TOPIC_FIELDS = ["name", "slug", "description", "treaty"]

TREATIES = [
    {
        "name": "Convention on Cluster Munitions",
        "short_name": "CCM",
        "slug": "convention-on-cluster-munitions",
        "adopted_on": datetime.date(2008, 5, 30),
        "entry_into_force_on": datetime.date(2010, 8, 1),
    },
    {
        # In full: the Convention on the Prohibition of the Use, Stockpiling, Production and
        # Transfer of Anti-Personnel Mines and on their Destruction.
        "name": "Mine Ban Treaty",
        "short_name": "MBT",
        "slug": "mine-ban-treaty",
        "adopted_on": datetime.date(1997, 9, 18),
        "entry_into_force_on": datetime.date(1999, 3, 1),
    },
    {
        # In full: the Convention on Prohibitions or Restrictions on the Use of Certain
        # Conventional Weapons Which May Be Deemed to Be Excessively Injurious or to Have
        # Indiscriminate Effects.
        "name": "Convention on Certain Conventional Weapons",
        "short_name": "CCW",
        "slug": "convention-on-certain-conventional-weapons",
        "adopted_on": datetime.date(1980, 10, 10),
        "entry_into_force_on": datetime.date(1983, 12, 2),
    },
]

# Each topic with the slug of its treaty.
TOPICS = [
    (
        {
            "name": "Cluster Munition Ban Policy",
            "slug": "cluster-munition-ban-policy",
            "description": "Each country's position on the Convention on Cluster Munitions and "
            "its policy and practice on the use, production, transfer and stockpiling of "
            "cluster munitions.",
        },
        "convention-on-cluster-munitions",
    ),
    (
        {
            "name": "Mine Ban Policy",
            "slug": "mine-ban-policy",
            "description": "Each country's position on the Mine Ban Treaty and its policy and "
            "practice on the use, production, transfer and stockpiling of antipersonnel mines.",
        },
        "mine-ban-treaty",
    ),
]


def history_start(historical_model, instance, fields, when):
    """Return the "created" history record that the historical model cannot write itself."""
    return historical_model(
        id=instance.id,
        **{field: getattr(instance, field) for field in fields},
        history_date=when,
        history_type="+",
        history_change_reason=CHANGE_REASON,
        history_user=None,
    )


def load_treaties(apps, schema_editor):
    Treaty = apps.get_model("profiles", "Treaty")
    Topic = apps.get_model("profiles", "Topic")
    HistoricalTreaty = apps.get_model("profiles", "HistoricalTreaty")
    HistoricalTopic = apps.get_model("profiles", "HistoricalTopic")
    now = timezone.now()

    treaties = {}
    for values in TREATIES:
        treaties[values["slug"]] = Treaty.objects.create(**values)
    HistoricalTreaty.objects.bulk_create(
        history_start(HistoricalTreaty, treaty, TREATY_FIELDS, now) for treaty in treaties.values()
    )

    topics = [
        Topic.objects.create(**values, treaty=treaties[treaty_slug])
        for values, treaty_slug in TOPICS
    ]
    HistoricalTopic.objects.bulk_create(
        history_start(HistoricalTopic, topic, TOPIC_FIELDS, now) for topic in topics
    )


def unload_treaties(apps, schema_editor):
    Treaty = apps.get_model("profiles", "Treaty")
    Topic = apps.get_model("profiles", "Topic")
    HistoricalTreaty = apps.get_model("profiles", "HistoricalTreaty")
    HistoricalTopic = apps.get_model("profiles", "HistoricalTopic")

    topics = Topic.objects.filter(slug__in=[values["slug"] for values, _treaty in TOPICS])
    HistoricalTopic.objects.filter(id__in=list(topics.values_list("id", flat=True))).delete()
    topics.delete()
    treaties = Treaty.objects.filter(slug__in=[values["slug"] for values in TREATIES])
    HistoricalTreaty.objects.filter(id__in=list(treaties.values_list("id", flat=True))).delete()
    treaties.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0002_countries"),
    ]

    operations = [
        migrations.RunPython(load_treaties, unload_treaties),
    ]
