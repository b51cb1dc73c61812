"""The ASGI application, for an ASGI server: `uvicorn monitor.asgi:application`."""

from django.core.asgi import get_asgi_application

from monitor.startup import APP_FAILED_TO_LOAD, load_settings_or_exit

load_settings_or_exit(APP_FAILED_TO_LOAD)
application = get_asgi_application()
