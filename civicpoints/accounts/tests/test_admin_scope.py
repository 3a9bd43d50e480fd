"""/admin/: the platform operator's; anyone else sees and picks only their own town."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission

from civicpoints.accounts.admin_scope import TownScopedAdmin, town_path
from civicpoints.accounts.models import Grid, User

pytestmark = pytest.mark.django_db


def _staff_with_user_permissions(person):
    person.is_staff = True
    person.save(update_fields=["is_staff"])
    person.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts", codename__in=["view_user", "change_user"]
        )
    )
    return User.objects.get(pk=person.pk)  # fresh permission cache


def test_every_registered_admin_is_town_scoped():
    registry = admin.site._registry.items()
    unscoped = [m._meta.label for m, ma in registry if not isinstance(ma, TownScopedAdmin)]
    assert unscoped == []


def test_town_paths_use_the_town_column_of_each_row():
    # every tenant row carries its town, children too (issue 14, item 4)
    assert town_path(User) == "town"
    assert town_path(Grid) == "town"


def test_a_town_admin_with_admin_access_cannot_open_a_resident_of_another_town(client, town):
    # given: the town admin of town 1, no superuser, allowed to view and change users
    admin_user = _staff_with_user_permissions(town.admin)
    client.force_login(admin_user)
    # when
    theirs = client.get(f"/admin/accounts/user/{town.carol.pk}/change/")
    mine = client.get(f"/admin/accounts/user/{town.alice.pk}/change/")
    listing = client.get("/admin/accounts/user/?q=Carol")
    # then
    assert theirs.status_code == 302  # "does not exist", back to the index
    assert mine.status_code == 200
    assert listing.status_code == 200 and town.carol not in listing.context["cl"].result_list


def test_foreign_key_choices_offer_only_the_own_towns_rows(client, town):
    # given
    admin_user = _staff_with_user_permissions(town.admin)
    client.force_login(admin_user)
    # when
    page = client.get(f"/admin/accounts/user/{town.alice.pk}/change/")
    form = page.context["adminform"].form
    # then
    assert set(form.fields["community"].queryset) == {town.a, town.b}
    assert town.c not in form.fields["community"].queryset


def test_models_without_a_town_are_the_operators_alone(client, town):
    # given
    admin_user = _staff_with_user_permissions(town.admin)
    admin_user.user_permissions.add(*Permission.objects.filter(codename="view_pointrule"))
    admin_user = User.objects.get(pk=admin_user.pk)
    client.force_login(admin_user)
    # when / then
    assert client.get("/admin/points/pointrule/").status_code == 403
    client.force_login(town.operator)
    assert client.get("/admin/points/pointrule/").status_code == 200
    assert client.get(f"/admin/accounts/user/{town.carol.pk}/change/").status_code == 200
