"""WSGI entry point for gunicorn: ``gunicorn caseway.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caseway.settings")
application = get_wsgi_application()
