from django.db import migrations

from profiles.roles import sync_roles


def remove_roles(apps, schema_editor):
    from profiles.roles import ROLE_PERMISSIONS

    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("citations", "0002_review"),
        ("profiles", "0006_review"),
    ]

    operations = [migrations.RunPython(sync_roles, remove_roles)]
