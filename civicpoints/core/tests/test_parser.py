"""core.parser: a NUL character in any API input is a 422 naming the field, on every engine
(PostgreSQL text cannot hold it and answered 500)."""

import json

from civicpoints.posts.services import sections_ensure_defaults


def test_a_nul_in_a_form_field_is_a_422_naming_the_field(client, town):
    # given
    sections_ensure_defaults(town.town.pk)
    client.force_login(town.alice)
    # when: the post form carries a NUL in its section (found by the schema fuzz)
    r = client.post("/api/v1/posts", {"title": "t", "body": "b", "section": "\x00"})
    # then
    assert r.status_code == 422
    assert r.json()["field"] == "section"


def test_a_nul_in_a_json_body_or_query_is_refused(client, town):
    # given
    client.force_login(town.alice)
    # when
    body = client.patch(
        "/api/v1/me",
        json.dumps({"nickname": "a\x00b"}),
        content_type="application/json",
    )
    query = client.get("/api/v1/rules", {"category": "x\x00"})
    # then
    # a JSON body is refused as unparseable (Ninja turns any parser error into 400)
    assert body.status_code == 400 and body.json()["code"]
    town.alice.refresh_from_db()
    assert town.alice.nickname == "Alice"
    assert query.status_code == 422 and query.json()["field"] == "category"
