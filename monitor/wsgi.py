"""The WSGI application, for gunicorn: `gunicorn monitor.wsgi`."""

import gc

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from monitor.startup import APP_FAILED_TO_LOAD, load_settings_or_exit

load_settings_or_exit(APP_FAILED_TO_LOAD)
application = get_wsgi_application()

# Load every URL, view and admin now, then keep everything loaded so far out of the garbage
# collector's sight: it lives as long as the worker, and each full collection walked it all
# again (about 37 ms, every 50 or so admin requests; measured with cProfile).
get_resolver().url_patterns  # noqa: B018 (imports the URL modules)
gc.freeze()
