"""Add a public edition note to each publication: what changed in the edition, for readers.

Existing editions get an empty note. The note is not part of the snapshot or its checksum."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0012_public_treaty_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="note",
            field=models.TextField(
                blank=True,
                help_text="Optional, public: a sentence or two for readers on what changed in "
                "this edition and why (“Updated for the 2026 Meeting of States Parties”). Shown "
                "on the list of editions and on the edition's page; it is not part of the "
                "profile's text.",
                max_length=2000,
                verbose_name="edition note",
            ),
        ),
    ]
