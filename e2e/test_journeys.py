"""The three journeys of issue 10 in a real browser at a phone viewport.

A resident signs up, reads an article and sees the points, posts a good deed,
signs up for an event and exchanges points for a voucher; a staff member
approves the post and checks the resident in; a merchant verifies the voucher.
"""

import re

import pytest

from e2e.conftest import log_in

pytestmark = pytest.mark.e2e

MOBILE = "13912345678"
PASSWORD = "Civic-pass-2026!"


def _balance(page) -> int:
    page.goto("/")
    return int(page.locator(".hero .stats .big").first.inner_text())


def test_resident_staff_and_merchant_journeys(browsing, small_town):
    from civicpoints.accounts.card import resident_card_token
    from civicpoints.accounts.models import User
    from civicpoints.accounts.sms import ConsoleSMSBackend
    from civicpoints.events.models import SignUp
    from civicpoints.merchants.models import Voucher
    from civicpoints.posts.models import Post

    resident = browsing.page()

    # given a visitor on the sign-up page (Chinese by default)
    resident.goto("/accounts/register/")
    assert resident.locator("html").get_attribute("lang") == "zh-hans"
    browsing.shot(resident, "register form")
    # when they register in the Rongcheng community, proving the number by SMS code
    resident.fill("input[name=mobile]", MOBILE)
    resident.fill("input[name=nickname]", "小李")
    resident.select_option("select[name=community]", label=small_town.community.name)
    resident.click("main form button[value=send_code]")
    resident.wait_for_selector(".messages")
    browsing.shot(resident, "code sent")
    ((to, text),) = ConsoleSMSBackend.outbox
    assert to == MOBILE
    resident.fill("input[name=code]", re.search(r"\d{6}", text).group(0))
    resident.fill("input[name=password]", PASSWORD)
    resident.click("main form button.primary")
    # then they land on their home page, signed in, with no points yet
    resident.wait_for_url(re.compile(r"/$"))
    browsing.shot(resident, "home after sign-up")
    assert _balance(resident) == 0
    me = User.objects.get(mobile=MOBILE)

    # when they open the article from the list
    resident.goto("/articles/")
    resident.click(f"a[href='/articles/{small_town.article.pk}/']")
    # then the page says they earned the reading points, and the balance shows them
    assert resident.locator(".messages .success").count() == 1
    browsing.shot(resident, "article read")
    assert _balance(resident) == 2
    browsing.shot(resident, "home with reading points")

    # when they post a good deed
    resident.goto("/posts/new/")
    resident.select_option("select[name=section]", index=1)
    resident.fill("input[name=title]", "帮邻居搬米")
    resident.fill("textarea[name=body]", "楼下王奶奶的米太重了，帮她搬上五楼。")
    browsing.shot(resident, "post form")
    resident.click("main form button.primary")
    # then it waits for review
    resident.wait_for_url(re.compile(r"/posts/\d+/$"))
    browsing.shot(resident, "post waiting for review")
    post = Post.objects.get(author=me)
    assert post.status == "pending"

    # when they sign up for the event
    resident.goto("/events/")
    resident.click(f"a[href='/events/{small_town.event.pk}/']")
    resident.click(f"form[action='/events/{small_town.event.pk}/sign-up/'] button")
    # then they are confirmed and may cancel
    resident.locator(f"form[action='/events/{small_town.event.pk}/cancel-sign-up/']").wait_for()
    browsing.shot(resident, "event signed up")
    assert SignUp.objects.get(event=small_town.event, resident=me).status == "confirmed"

    # when they exchange their 2 points for the merchant's offer
    offer = small_town.offer
    resident.goto(f"/merchants/{offer.merchant_id}/")
    resident.click(f"a[href='/merchants/{offer.merchant_id}/offers/{offer.pk}/exchange/']")
    # then a confirmation shows the cost and the balance after, before anything is spent
    assert resident.locator("#balance-after").inner_text().strip() == "0"
    browsing.shot(resident, "exchange confirmation")
    resident.click(
        f"form[action='/merchants/{offer.merchant_id}/offers/{offer.pk}/exchange/'] button.primary"
    )
    # then they hold a voucher with a code to show at the counter, and no points left
    resident.wait_for_url(re.compile(r"/merchants/vouchers/\d+/$"))
    code = resident.locator("main .qr + p strong").inner_text().strip()
    assert code
    browsing.shot(resident, "voucher")
    assert _balance(resident) == 0

    # and they switch the site to English (saved on their account)
    resident.click("header form.lang button")
    resident.wait_for_load_state()
    assert resident.locator("html").get_attribute("lang") == "en"
    me.refresh_from_db()
    assert me.language == "en"

    # given the community staff member at the office (Chinese)
    staff = browsing.page(viewport={"width": 1280, "height": 900})
    log_in(staff, small_town.staff.mobile)
    # when they approve the post from the moderation queue
    staff.goto("/posts/staff/queue/")
    browsing.shot(staff, "moderation queue")
    staff.click(f"a[href='/posts/{post.pk}/']")
    staff.click(f"form[action='/posts/{post.pk}/approve/'] button")
    staff.wait_for_load_state()
    browsing.shot(staff, "post approved")
    post.refresh_from_db()
    assert post.status == "approved"

    # when they check the resident in with the code of the resident's card
    staff.goto(f"/events/{small_town.event.pk}/manage/")
    staff.fill("#card-form input[name=token]", resident_card_token(me))
    staff.click("#card-form button[type=submit]")
    # then the resident shows as checked in
    assert staff.locator(".messages .success").count() == 1
    browsing.shot(staff, "resident checked in")
    assert SignUp.objects.get(event=small_town.event, resident=me).checked_in_at is not None

    # given the merchant's staff at the counter, on a phone
    merchant = browsing.page()
    log_in(merchant, small_town.merchant.mobile)
    # when they look the code up and redeem it
    merchant.goto("/merchants/desk/")
    merchant.fill("main input[name=code]", code)
    merchant.click("form[action='/merchants/desk/check/'] button[type=submit]")
    browsing.shot(merchant, "voucher looked up")
    merchant.click("form[action='/merchants/desk/redeem/'] button")
    # then the desk says so, and the voucher is used
    merchant.get_by_text(re.compile("已核销|Redeemed")).first.wait_for()
    browsing.shot(merchant, "voucher redeemed")
    assert Voucher.objects.get(resident=me).status == "redeemed"

    # and the resident's inbox tells them both, in English, the language they chose
    resident.goto("/messages/")
    browsing.shot(resident, "inbox in English")
    inbox = resident.locator("main").inner_text()
    assert "Your post is published: 帮邻居搬米" in inbox
    assert "was used at" in inbox
