"""Start-up for every entry point: a malformed setting is one line and an exit, not a traceback."""

import os
import sys

# gunicorn's "App failed to load": it stops, where it would restart a worker that exits with
# any other status, for ever.
APP_FAILED_TO_LOAD = 4


def load_settings_or_exit(status: int) -> None:
    """Load monitor.settings, which check the environment; on a malformed variable, print
    its message on one line and exit with `status`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 (loads the settings)
    except ImproperlyConfigured as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        sys.exit(status)
