"""WSGI entry point: ``gunicorn civicpoints.wsgi`` (see README, production)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicpoints.settings")
application = get_wsgi_application()
