"""The WSGI application, for gunicorn: `gunicorn monitor.wsgi`."""

import os
import sys

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings")

try:
    settings.INSTALLED_APPS  # noqa: B018 (loads the settings, which check the environment)
except ImproperlyConfigured as error:
    print(f"Configuration error: {error}", file=sys.stderr)
    # 4 is gunicorn's "App failed to load", which stops it: it starts a worker that exits with
    # any other status again, for ever.
    sys.exit(4)

application = get_wsgi_application()
