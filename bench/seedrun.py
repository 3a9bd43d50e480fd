"""Run ``seed_town`` once in this process and print JSON {seconds, maxrss_kb, ...}."""

import json
import os
import resource
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicpoints.settings")

import django  # noqa: E402

django.setup()

from civicpoints.demo.town import seed_town  # noqa: E402

scale = float(sys.argv[1])
began = time.perf_counter()
result = seed_town(scale=scale, seed=2018, quiet=True)
seconds = time.perf_counter() - began
print(
    json.dumps(
        {
            "seconds": seconds,
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "transactions": result.transactions,
            "points_awarded": result.points_awarded,
            "residents": result.residents,
        }
    )
)
