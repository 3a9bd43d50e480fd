"""The load mix (README "Load test"): residents browse the feed, like, read
articles, sign up to (and cancel) an event and exchange points; counter staff
look up and redeem the vouchers those exchanges produce. Sessions come from
``loadtest.prepare`` (LOAD_SESSIONS). Any status other than the expected ones
counts as an error.
"""

import collections
import itertools
import json
import os
import random
import uuid

from locust import HttpUser, between, task

DATA = json.load(open(os.environ["LOAD_SESSIONS"], encoding="utf-8"))  # noqa: SIM115
CSRF = "loadloadloadloadloadloadloadload"
_residents = itertools.cycle(DATA["residents"])
_counters = itertools.cycle(DATA["counters"])
CODES: collections.deque = collections.deque(maxlen=10_000)


class _Signed(HttpUser):
    abstract = True

    def _login(self, session_id: str) -> None:
        self.client.cookies.set("sessionid", session_id)
        self.client.cookies.set("csrftoken", CSRF)
        self.client.headers.update({"X-CSRFToken": CSRF, "Referer": self.host + "/"})

    def _expect(self, method, url, name, ok, **kw):
        with self.client.request(method, url, name=name, catch_response=True, **kw) as resp:
            if resp.status_code in ok:
                resp.success()
            else:
                resp.failure(f"{resp.status_code}: {resp.text[:200]}")
            return resp


class Resident(_Signed):
    weight = 19
    wait_time = between(1, 5)

    def on_start(self):
        self._login(next(_residents))
        self.signed_up = False

    @task(5)
    def browse_feed(self):
        self._expect("GET", "/api/v1/posts?limit=20", "GET /posts (feed)", {200})

    @task(2)
    def like(self):
        post = random.choice(DATA["posts"])  # noqa: S311
        self._expect("POST", f"/api/v1/posts/{post}/like", "POST /posts/[id]/like", {200})

    @task(2)
    def read_article(self):
        article = random.choice(DATA["articles"])  # noqa: S311
        self._expect("GET", f"/api/v1/articles/{article}", "GET /articles/[id]", {200})
        self._expect("POST", f"/api/v1/articles/{article}/read", "POST /articles/[id]/read", {200})

    @task(1)
    def sign_up_or_cancel(self):
        url = f"/api/v1/events/{DATA['event']}/signup"
        if self.signed_up:
            self._expect("DELETE", url, "DELETE /events/[id]/signup", {200})
        else:
            self._expect("POST", url, "POST /events/[id]/signup", {200, 201}, json={})
        self.signed_up = not self.signed_up

    @task(1)
    def exchange(self):
        resp = self._expect(
            "POST",
            f"/api/v1/offers/{DATA['offer']}/exchange",
            "POST /offers/[id]/exchange",
            {201},
            json={"idempotency_key": uuid.uuid4().hex},
        )
        if resp.status_code == 201:
            CODES.append(resp.json()["code"])

    @task(1)
    def my_points(self):
        self._expect("GET", "/api/v1/me/points", "GET /me/points", {200})


class Counter(_Signed):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        self._login(next(_counters))

    @task
    def verify(self):
        if not CODES:
            self._expect("GET", "/api/v1/merchant-desk/offers", "GET /merchant-desk/offers", {200})
            return
        code = CODES.popleft()
        body = {"code": code}
        self._expect(
            "POST", "/api/v1/merchant-desk/vouchers/check", "POST /vouchers/check", {200}, json=body
        )
        self._expect(
            "POST",
            "/api/v1/merchant-desk/vouchers/redeem",
            "POST /vouchers/redeem",
            {200},
            json=body,
        )
