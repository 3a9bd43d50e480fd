"""The audit log: staff and merchant changes recorded, append-only, town admins read it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from civicpoints.audit.models import AuditEntry
from civicpoints.merchants.tests.conftest import fund, make_offer

API = "/api/v1"


def test_a_staff_award_is_recorded_with_who_what_where_and_the_object(client, town, catalog):
    # given
    client.force_login(town.staff_a)
    # when
    resp = client.post(
        f"{API}/staff/residents/{town.alice.pk}/adjustments",
        {"points": 5, "reason": "helped at the fair", "idempotency_key": "audit-00000001"},
        content_type="application/json",
        REMOTE_ADDR="10.1.2.3",
    )
    # then
    assert resp.status_code in (200, 201), resp.content
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.role, entry.town, entry.ip) == (
        town.staff_a,
        "community_staff",
        town.town,
        "10.1.2.3",
    )
    assert (entry.method, entry.path, entry.status) == (
        "POST",
        f"{API}/staff/residents/{town.alice.pk}/adjustments",
        resp.status_code,
    )
    assert entry.view_name == "api:staff_adjust"
    assert entry.object_ids == {"resident_id": str(town.alice.pk)}


def test_merchant_redeem_is_recorded_but_residents_reads_and_refusals_are_not(client, town):
    # given: alice holds a voucher
    fund(town, town.alice, 100)
    offer = make_offer(town.merchant)
    client.force_login(town.alice)
    code = client.post(
        f"{API}/offers/{offer.pk}/exchange",
        {"idempotency_key": "audit-00000002"},
        content_type="application/json",
    ).json()["code"]
    # when: the merchant reads a page, is refused once, then redeems
    client.force_login(town.merchant)
    client.get(reverse("merchants:desk"))
    refused = client.post(
        f"{API}/merchant-desk/vouchers/redeem",
        {"code": "NOPE0000"},
        content_type="application/json",
    )
    done = client.post(
        f"{API}/merchant-desk/vouchers/redeem", {"code": code}, content_type="application/json"
    )
    # then: only the merchant's successful change is in the log
    assert refused.status_code == 404 and done.status_code == 200
    entries = list(AuditEntry.objects.values_list("actor_id", "view_name", "status"))
    assert entries == [(town.merchant.pk, "api:desk_redeem", 200)]


def test_entries_cannot_be_changed_or_deleted(client, town):
    # given
    client.force_login(town.admin)
    client.post(reverse("notifications:read_all"))
    entry = AuditEntry.objects.get()
    # when / then: model and queryset refuse
    entry.path = "/forged/"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        AuditEntry.objects.filter(pk=entry.pk).update(path="/forged/")
    # and the database refuses raw SQL too
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditentry SET path = '/forged/' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get().path == reverse("notifications:read_all")


def test_only_town_admins_read_the_log_and_only_their_town(client, town):
    # given: one entry in each town
    client.force_login(town.staff_a)
    client.post(reverse("notifications:read_all"))
    client.force_login(town.outsider_admin)
    client.post(reverse("notifications:read_all"))
    # when
    client.force_login(town.admin)
    mine = client.get(reverse("audit:log"), HTTP_ACCEPT_LANGUAGE="en")
    answers = {}
    for persona in ("staff_a", "merchant", "alice"):
        client.force_login(getattr(town, persona))
        answers[persona] = client.get(reverse("audit:log")).status_code
    # then
    assert mine.status_code == 200
    assert [e.actor for e in mine.context["page"]] == [town.staff_a]
    assert answers == {"staff_a": 403, "merchant": 403, "alice": 403}


def test_the_admin_site_shows_entries_read_only(client, town):
    # given
    from civicpoints.audit.admin import AuditEntryAdmin

    client.force_login(town.operator)
    # when
    listing = client.get("/admin/audit/auditentry/")
    add = client.get("/admin/audit/auditentry/add/")
    # then
    assert listing.status_code == 200 and add.status_code == 403
    assert AuditEntryAdmin.has_delete_permission(None, None) is False


def test_a_staff_log_in_is_recorded_as_that_person_but_a_residents_is_not(client, town):
    # when
    client.post(reverse("accounts:login"), {"mobile": town.alice.mobile, "password": town.password})
    client.logout()
    client.post(
        reverse("accounts:login"), {"mobile": town.staff_b.mobile, "password": town.password}
    )
    # then
    assert list(AuditEntry.objects.values_list("actor_id", "view_name")) == [
        (town.staff_b.pk, "accounts:login")
    ]
