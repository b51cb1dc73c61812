"""Settings for the test suite: production settings with test-only secrets, a fast hasher
and no redirect to HTTPS."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from monitor.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Manifest storage needs `collectstatic` before {% static %} works; tests don't run it.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The test client and the live server speak plain HTTP; production redirects it to HTTPS.
# Tests of the redirect and of HTTPS-only headers send `secure=True` requests.
SECURE_SSL_REDIRECT = False
