"""Real threads against PostgreSQL: a code allows 5 tries and is spent once, and a
WeChat is bound to one account, however many requests race."""

import pytest
from django.db import connection

from civicpoints.accounts.models import CodePurpose, User, VerificationCode, WeChatIdentity
from civicpoints.accounts.services import (
    CodeExhausted,
    CodeInvalid,
    CodeWrong,
    MobileTaken,
    WeChatTaken,
    resident_register_with_code,
    wechat_identity_bind,
)
from civicpoints.points.tests.test_concurrency import run_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]
NEW = "13600001234"


@pytest.mark.django_db(transaction=True)
def test_twenty_racing_wrong_guesses_get_five_tries(town, texted_code):
    # given
    code = texted_code(NEW, CodePurpose.REGISTER)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    def guess(i):
        return resident_register_with_code(
            mobile=NEW, code=wrong, nickname=f"n{i}", password=town.password, community=town.a
        )

    # when
    results = run_threads(20, guess)
    # then: five tries were spent, every other request was refused outright
    assert all(isinstance(r, CodeWrong | CodeExhausted | CodeInvalid) for r in results), results
    assert sum(isinstance(r, CodeWrong | CodeExhausted) for r in results) >= 5
    assert VerificationCode.objects.get(mobile=NEW).attempts == 5
    assert not User.objects.filter(mobile=NEW).exists()


@pytest.mark.django_db(transaction=True)
def test_ten_racing_registrations_with_the_right_code_make_one_account(town, texted_code):
    # given
    code = texted_code(NEW, CodePurpose.REGISTER)

    def register(i):
        return resident_register_with_code(
            mobile=NEW, code=code, nickname=f"n{i}", password=town.password, community=town.a
        )

    # when
    results = run_threads(10, register)
    # then
    made = [r for r in results if isinstance(r, User)]
    assert len(made) == 1, results
    assert all(isinstance(r, User | CodeInvalid | MobileTaken | CodeExhausted) for r in results)
    assert User.objects.filter(mobile=NEW).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_wechat_racing_to_two_accounts_binds_once(town, texted_code):
    # given: alice and bob each hold a bind code
    codes = {u.mobile: texted_code(u.mobile, CodePurpose.BIND) for u in (town.alice, town.bob)}
    mobiles = [town.alice.mobile, town.bob.mobile] * 4

    def bind(i):
        mobile = mobiles[i]
        return wechat_identity_bind(mobile=mobile, code=codes[mobile], openid="oSAME")

    # when
    results = run_threads(8, bind)
    # then
    assert sum(isinstance(r, User) for r in results) == 1, results
    assert all(isinstance(r, User | WeChatTaken | CodeInvalid) for r in results), results
    assert WeChatIdentity.objects.filter(openid="oSAME").count() == 1
