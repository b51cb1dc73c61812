"""The WSGI application, for gunicorn: `gunicorn monitor.wsgi`."""

from django.core.wsgi import get_wsgi_application

from monitor.startup import APP_FAILED_TO_LOAD, load_settings_or_exit

load_settings_or_exit(APP_FAILED_TO_LOAD)
application = get_wsgi_application()
