"""The ASGI application, for an ASGI server: `uvicorn monitor.asgi:application`."""

import os
import sys

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings")

try:
    settings.INSTALLED_APPS  # noqa: B018 (loads the settings, which check the environment)
except ImproperlyConfigured as error:
    print(f"Configuration error: {error}", file=sys.stderr)
    # 4, as in monitor/wsgi.py: gunicorn (with uvicorn workers) stops on it.
    sys.exit(4)

application = get_asgi_application()
