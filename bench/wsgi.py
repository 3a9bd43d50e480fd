"""The bench's WSGI entry: the app, plus one path that skips every middleware.

``/bench/bare`` builds Django's request and response objects and nothing
else — no middleware, no URL resolving: the first of the three floors (what
gunicorn + Django's request/response cost). Every other path is the app as
production serves it (``ROOT_URLCONF=bench.urls`` adds the other baselines).
"""

import os

from django.core.handlers.wsgi import WSGIRequest
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicpoints.settings")

_app = get_wsgi_application()

from bench import views  # noqa: E402 - after Django is set up


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/bench/bare":
        response = views.floor(WSGIRequest(environ))
        start_response(
            f"{response.status_code} {response.reason_phrase}",
            [*response.items()],
        )
        return response
    return _app(environ, start_response)
