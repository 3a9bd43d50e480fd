"""Periodic jobs of the posts app (run by ``manage.py run_jobs``)."""

from civicpoints.core.jobs import job
from civicpoints.posts.services.rings import like_rings_flag_all


@job("posts.like_rings", cron="30 1 * * *")
def like_rings() -> str:
    """Every night at 01:30 local time: flag like and share rings of the last 30 days."""
    return f"like rings: {like_rings_flag_all()} new flags"
