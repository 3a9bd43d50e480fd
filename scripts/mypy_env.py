"""A mypy plugin, listed before django-stubs', that sets the environment it needs.

django-stubs imports ``civicpoints.settings``, which refuses to load without a
SECRET_KEY unless DEBUG is on (see ``civicpoints.settings``). Like the pytest
plugin ``civicpoints.testenv``, this sets a throwaway key and DEBUG before that
import, so ``mypy`` runs the same from ``make test``, an editor or a bare shell.
It also puts this checkout first on ``sys.path`` (as pytest's ``pythonpath``
does), so the plugin reads the settings and models of the tree being checked, not
those of another checkout installed in the same virtualenv. It adds no
type-checking behaviour of its own.
"""

import os
import sys
from pathlib import Path

from mypy.plugin import Plugin

ROOT = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "typecheck-only-secret")


def plugin(version: str) -> type[Plugin]:
    # Here, not at import: mypy checks that importing a plugin leaves sys.path alone.
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    return Plugin
