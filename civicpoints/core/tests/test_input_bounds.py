"""Every date and number input has a sane range (``core.bounds``), every list is paged
by the bounded paginator: out-of-range input is a 4xx naming the field, never a 500."""

import pytest

from civicpoints.api import api

API = "/api/v1"


def _problems(schema, components, name, found):
    """Collect unbounded integer and date inputs under ``schema`` (OpenAPI)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    for option in schema.get("anyOf", []):
        _problems(option, components, name, found)
    kind, fmt = schema.get("type"), schema.get("format")
    if kind in ("integer", "number"):
        has_max = "maximum" in schema or "exclusiveMaximum" in schema
        has_min = "minimum" in schema or "exclusiveMinimum" in schema
        if not (has_max and has_min):
            found.append(f"{name}: integer without bounds")
    bounded = "formatMinimum" in schema and "formatMaximum" in schema
    if kind == "string" and fmt in ("date", "date-time") and not bounded:
        found.append(f"{name}: {fmt} without range (use core.bounds)")
    for key, sub in schema.get("properties", {}).items():
        _problems(sub, components, f"{name}.{key}", found)
    if kind == "array":
        _problems(schema.get("items", {}), components, f"{name}[]", found)


def test_every_date_and_number_input_of_the_api_is_bounded():
    # given the OpenAPI schema: parameters and request bodies of every operation
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    found = []
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            where = f"{method.upper()} {path}"
            for param in op.get("parameters", []):
                _problems(param.get("schema", {}), components, f"{where} {param['name']}", found)
            for content in op.get("requestBody", {}).get("content", {}).values():
                _problems(content.get("schema", {}), components, f"{where} body", found)
    # then none is unbounded (an unbounded limit/offset is the unbounded paginator)
    assert found == []


def test_every_paged_list_uses_the_bounded_paginator():
    # given every operation of the API
    from ninja.pagination import LimitOffsetPagination

    from civicpoints.core.pagination import BoundedLimitOffsetPagination

    offenders = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                paginator = getattr(op.view_func, "_ninja_paginator", None) or getattr(
                    getattr(op.view_func, "__wrapped__", None), "_ninja_paginator", None
                )
                # ninja keeps the paginator instance on the wrapped view's closure
                cells = [c.cell_contents for c in (op.view_func.__closure__ or ())]
                pagers = [c for c in cells if isinstance(c, LimitOffsetPagination)]
                pagers += [paginator] if paginator else []
                for p in pagers:
                    if not isinstance(p, BoundedLimitOffsetPagination):
                        offenders.append(f"{op.methods} {path}: {type(p).__name__}")
    assert offenders == []


def test_the_disputes_list_refuses_a_huge_offset_or_limit_with_422(client, town):
    client.force_login(town.staff_a)
    for query, field in (("offset=99999999999999999999", "offset"), ("limit=100000", "limit")):
        response = client.get(f"{API}/staff/disputes?{query}")
        assert response.status_code == 422, (query, response.content)
        assert response.json()["field"] == field


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
def test_settlement_of_an_impossible_month_is_422_naming_month(client, town, month):
    client.force_login(town.merchant)
    api_answer = client.get(f"{API}/merchant-desk/settlement?month={month}")
    assert api_answer.status_code == 422
    assert api_answer.json()["field"] == "month"
    page = client.get(f"/merchants/desk/settlement/?month={month}")
    assert page.status_code == 422


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31"])
def test_dashboard_with_a_date_out_of_range_is_422_naming_start(client, town, start):
    client.force_login(town.staff_a)
    response = client.get(f"{API}/staff/dashboard?start={start}")
    assert response.status_code == 422
    assert response.json()["field"] == "start"
    page = client.get(f"/dashboard/?start={start}")
    assert page.status_code < 500
    assert "2000-01-01" in page.content.decode()  # the form error names the range


def test_honours_for_year_9999_is_422_naming_period_start(client, town):
    client.force_login(town.admin)
    response = client.post(
        f"{API}/staff/honours/evaluate",
        {"kind": "civic_star", "period_start": "9999-12-01"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["field"] == "period_start"


@pytest.mark.parametrize("when", ["0001-01-01T09:00:00+08:00", "9999-12-31T09:00:00+08:00"])
def test_events_and_articles_dated_year_1_or_9999_are_422_naming_the_field(
    client, town, catalog, when
):
    client.force_login(town.staff_a)
    event = client.post(
        f"{API}/events",
        {
            "title": "Clean-up",
            "place": "Square",
            "starts_at": when,
            "ends_at": "2030-01-01T12:00:00+08:00",
            "signup_deadline": "2030-01-01T08:00:00+08:00",
            "capacity": 10,
        },
        content_type="application/json",
    )
    assert event.status_code == 422
    assert event.json()["field"] == "starts_at"
    article = client.post(
        f"{API}/staff/articles",
        {"title": "News", "body_markdown": "Text", "published_at": when},
        content_type="application/json",
    )
    assert article.status_code == 422
    assert article.json()["field"] == "published_at"


def test_a_huge_id_in_a_path_or_body_is_a_4xx_not_an_overflow(client, town):
    client.force_login(town.alice)
    huge = 10**30
    assert client.get(f"{API}/vouchers/{huge}").status_code in (404, 422)
    client.force_login(town.staff_a)
    response = client.post(
        f"{API}/staff/residents",
        {"mobile": "13800138999", "nickname": "N", "community_id": huge},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["field"] == "community_id"


def test_out_of_range_messages_read_in_chinese_by_default(client, town):
    client.force_login(town.staff_a)
    body = client.get(f"{API}/staff/dashboard?start=0001-01-01").json()
    assert "2000-01-01" in body["errors"][0]["msg"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["errors"][0]["msg"])
