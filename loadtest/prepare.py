"""Data for the load test, on top of ``seed_town --scale 0.01``: 190 funded residents,
10 counter staff at the demo merchant, an offer, 20 published posts, 5 articles, a
town-wide event, and a logged-in session for each person (written to a JSON file
the locustfile reads; logging 200 people in through PBKDF2 would measure only that).

Run with the same SECRET_KEY as the server: sessions carry a hash keyed by it.
Usage: python -m loadtest.prepare OUT.json
"""

import datetime as dt
import json
import os
import sys


def main(out: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicpoints.settings")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from civicpoints.accounts.backends import TOWN_SESSION_KEY
    from civicpoints.accounts.models import Community, Role, User
    from civicpoints.accounts.services import resident_register
    from civicpoints.articles.services import article_create
    from civicpoints.core.timeutil import local_date
    from civicpoints.demo.town import DEMO_LOGINS
    from civicpoints.events.services import event_create, event_publish
    from civicpoints.merchants.services import offer_create
    from civicpoints.points.services import points_adjust, rule_get
    from civicpoints.posts.services import post_approve, post_create, sections_ensure_defaults

    admin = User.objects.get(mobile=DEMO_LOGINS["town_admin"])
    merchant_staff = User.objects.get(mobile=DEMO_LOGINS["merchant"])
    communities = list(Community.objects.filter(town=admin.town).order_by("pk"))

    def session_for(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "civicpoints.accounts.backends.MobileBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[TOWN_SESSION_KEY] = user.town_id  # as signing in writes it: the user is read by town
        store.create()
        return store.session_key

    residents = []
    for i in range(190):
        user = resident_register(
            mobile=f"1990000{i:04d}",
            nickname=f"load{i}",
            password=None,
            community=communities[i % len(communities)],
        )
        points_adjust(
            actor=admin,
            resident=user,
            points=100_000,
            reason="load test",
            idempotency_key=f"load-fund-{i:06d}",
            discretionary=False,  # seeding, not a staff member's choice
        )
        residents.append(user)
    counters = [
        User.objects.create_user(
            f"1980000{i:04d}",
            None,
            nickname=f"counter{i}",
            role=Role.MERCHANT_STAFF,
            town=admin.town,
            merchant=merchant_staff.merchant,
        )
        for i in range(10)
    ]
    today = local_date()
    offer = offer_create(
        actor=merchant_staff,
        title="Load test haircut",
        price_fen=3500,
        discount_fen=500,
        points_cost=10,
        stock=1_000_000,
        per_resident_limit=100,
        valid_from=today,
        valid_until=today + dt.timedelta(days=30),
    )
    section = sections_ensure_defaults()[0]
    posts = []
    for i in range(20):
        post = post_create(
            author=residents[i], section=section, title=f"Load post {i}", body="Helped out."
        )
        posts.append(post_approve(actor=admin, post=post, no_points=True).pk)
    articles = [
        article_create(
            actor=admin,
            title=f"Load article {i}",
            body_markdown="Read **this**.",
            published_at=timezone.now() - dt.timedelta(minutes=1),
        ).pk
        for i in range(5)
    ]
    start = timezone.now() + dt.timedelta(days=2)
    event = event_create(
        actor=admin,
        title="Load test clean-up",
        place="Town square",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        signup_deadline=start - dt.timedelta(hours=1),
        capacity=10_000,
        rule=rule_get("volunteer_service"),
    )
    event_publish(actor=admin, event=event)
    data = {
        "residents": [session_for(u) for u in residents],
        "counters": [session_for(u) for u in counters],
        "posts": posts,
        "articles": articles,
        "event": event.pk,
        "offer": offer.pk,
    }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    print(f"prepared {len(residents)} residents, {len(counters)} counter staff -> {out}")


if __name__ == "__main__":
    main(sys.argv[1])
