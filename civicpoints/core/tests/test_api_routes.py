"""Every operation the OpenAPI schema declares is reachable by its method: no route
shadows another (``GET /merchants/{merchant_id}`` once swallowed ``POST
/merchants/apply`` and answered 405)."""

import re

import pytest
from django.test import Client

from civicpoints.api import api

PARAM = re.compile(r"\{[^}]+\}")


def _operations():
    schema = api.get_openapi_schema()
    for path, ops in schema["paths"].items():
        for method in ops:
            yield method.upper(), path


@pytest.mark.django_db
def test_every_declared_operation_answers_its_method(town):
    # given every (method, path) of the schema, ids filled with 1, and a signed-in town admin
    failures = []
    for method, path in _operations():
        client = Client()
        client.force_login(town.admin)
        # when
        response = client.generic(
            method, PARAM.sub("1", path), data="{}", content_type="application/json"
        )
        # then the route exists for that method (any status but 405)
        if response.status_code == 405:
            failures.append(f"{method} {path}")
    assert failures == []


def test_merchant_apply_is_not_shadowed_by_merchant_detail(town):
    # given a resident
    client = Client()
    client.force_login(town.alice)
    # when
    response = client.post(
        "/api/v1/merchants/apply",
        data={"name": "新店", "category": "理发", "address": "巴桥路2号"},
        content_type="application/json",
    )
    # then
    assert response.status_code == 201, response.content
