"""The roles' permissions on releases: publishers manage them, editors and fact-checkers
view them."""

from django.db import migrations

from profiles.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0017_releases"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
