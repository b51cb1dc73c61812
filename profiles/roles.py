"""The roles staff users work in, as Django groups (design.md, "Roles").

Staff get their powers from these groups, never from being superusers. A data migration
creates the groups from ROLE_PERMISSIONS; change the table and add a migration that calls
`sync_roles` again to change a role.
"""

EDITORIAL_MODELS = {
    "profiles": ["country", "treaty", "treatystatus", "topic", "profile", "section", "claim"],
    "citations": ["source", "citation", "citationsource"],
}
READ_ONLY_MODELS = {"profiles": ["publication", "publictreatystatus"]}


def _codenames(actions, models_by_app):
    return [
        f"{app}.{action}_{model}"
        for app, models in models_by_app.items()
        for model in models
        for action in actions
    ]


_READ_EVERYTHING = _codenames(["view"], EDITORIAL_MODELS) + _codenames(["view"], READ_ONLY_MODELS)
_EDIT_EVERYTHING = _codenames(["add", "change", "delete"], EDITORIAL_MODELS)

EDITORS = "Editors"
FACT_CHECKERS = "Fact-checkers"
PUBLISHERS = "Publishers"

# Readers' correction requests: editors and publishers work them (state and note only; no one
# adds or deletes one); fact-checkers read them. Alert subscriptions: publishers may read them
# and delete one on a reader's request.
_READ_CORRECTIONS = ["profiles.view_correctionrequest"]
_WORK_CORRECTIONS = [*_READ_CORRECTIONS, "profiles.change_correctionrequest"]
_SUBSCRIPTIONS = ["profiles.view_subscription", "profiles.delete_subscription"]
# Releases of the report cycle: editors and fact-checkers see them (their assignments, the
# progress board); publishers prepare them, assign people, schedule, postpone and cancel
# (profiles/admin_releases.py). No one deletes one: its history is the year's record.
_READ_RELEASES = ["profiles.view_release", "profiles.view_releaseprofile"]
_MANAGE_RELEASES = [
    *_READ_RELEASES,
    "profiles.add_release",
    "profiles.change_release",
    "profiles.add_releaseprofile",
    "profiles.change_releaseprofile",
]

ROLE_PERMISSIONS = {
    # Editors create and edit countries, profiles, sections, claims, citations, sources.
    EDITORS: _READ_EVERYTHING + _EDIT_EVERYTHING + _WORK_CORRECTIONS + _READ_RELEASES,
    # Fact-checkers read everything and change review fields only.
    FACT_CHECKERS: [
        *_READ_EVERYTHING,
        "citations.review_citation",
        *_READ_CORRECTIONS,
        *_READ_RELEASES,
    ],
    # Publishers (managing editors) publish, withdraw and revert; they can edit to revert.
    PUBLISHERS: [
        *_READ_EVERYTHING,
        *_EDIT_EVERYTHING,
        "profiles.publish_profile",
        *_WORK_CORRECTIONS,
        *_SUBSCRIPTIONS,
        *_MANAGE_RELEASES,
    ],
}


def sync_roles(apps, schema_editor=None) -> None:
    """Create the groups and give each exactly the permissions of its role."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        permissions = []
        for codename in codenames:
            app_label, name = codename.split(".")
            if not _model_exists(apps, app_label, name.split("_", 1)[1]):
                continue  # added by a later migration, which syncs the roles again
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=name)
            )
        group.permissions.set(permissions)


def _model_exists(apps, app_label: str, model_name: str) -> bool:
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return True
