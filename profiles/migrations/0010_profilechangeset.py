import django.db.models.deletion
from django.db import migrations, models


def link_every_change_set(apps, schema_editor):
    # The index is derived from the history tables; the same SQL keeps it up to date.
    from profiles.timeline_index import link_profiles

    link_profiles()


class Migration(migrations.Migration):
    dependencies = [
        ("citations", "0005_history_indexes"),
        ("profiles", "0009_history_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProfileChangeSet",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("profile_id", models.BigIntegerField()),
                (
                    "created_at",
                    models.DateTimeField(help_text="The change set's, for the timeline's order."),
                ),
                (
                    "change_set",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="profiles.changeset",
                    ),
                ),
            ],
            options={
                "verbose_name": "profile change set",
                "indexes": [
                    models.Index(
                        fields=["profile_id", "-created_at", "-change_set"],
                        name="profilechangeset_timeline",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("profile_id", "change_set"), name="profilechangeset_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(link_every_change_set, migrations.RunPython.noop),
    ]
