"""The merchant counter with a real camera stream: Chromium's fake capture device plays a
video of a QR code, the vendored jsQR reads it, and the form POSTs the code.

Each scan gets its own Chromium (the fake camera's file is a launch argument).
"""

import re
from pathlib import Path

import pytest

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, Browsing, log_in

pytestmark = pytest.mark.e2e


def _qr_video(text: str, path: Path) -> Path:
    """A few frames of a QR code of ``text`` as a Y4M file (the format Chromium's fake
    capture device plays): 640×480, 4:2:0, grey chroma."""
    import qrcode

    img = qrcode.make(text, box_size=8, border=4).convert("L")
    side = min(440, max(img.size))
    img = img.resize((side, side))
    from PIL import Image

    frame = Image.new("L", (640, 480), 255)
    frame.paste(img, ((640 - side) // 2, (480 - side) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (320 * 240)
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(5):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


def _camera_browser(pw, video: Path):
    return pw.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )


def test_counter_scans_a_voucher_and_a_discount_card(
    small_town, live_server, tmp_path, playwright_session
):
    from civicpoints.accounts.card import resident_card_token
    from civicpoints.accounts.models import User
    from civicpoints.demo.town import DEMO_LOGINS
    from civicpoints.merchants.models import CardUse, Voucher
    from civicpoints.merchants.services import (
        card_policy_set,
        discount_card_claim,
        merchant_card_discount_set,
        voucher_exchange,
    )
    from e2e.conftest import ARTEFACTS

    # given: the demo resident holds a voucher of the demo merchant and a discount card
    resident = User.objects.get(mobile=DEMO_LOGINS["resident"])
    voucher = voucher_exchange(
        resident=resident, offer_id=small_town.offer.pk, idempotency_key="e2e-scan-1"
    )
    card_policy_set(actor=small_town.admin, threshold_points=1)
    discount_card_claim(resident=resident)
    merchant_card_discount_set(actor=small_town.merchant, percent=12)
    folder = ARTEFACTS / "test_counter_scans_a_voucher_and_a_discount_card"
    urls: list[str] = []

    pw = playwright_session
    # when: the counter scans the voucher's QR code with the camera
    browser = _camera_browser(pw, _qr_video(voucher.code, tmp_path / "voucher.y4m"))
    browsing = Browsing(browser, live_server.url, folder / "voucher")
    page = browsing.page()
    page.context.grant_permissions(["camera"])
    page.on("request", lambda r: urls.append(r.url))
    log_in(page, small_town.merchant.mobile)
    page.goto("/merchants/desk/")
    browsing.shot(page, "counter")
    page.click("button[data-qr-form=code-form]")
    page.wait_for_url(re.compile(r"/merchants/desk/check/$"))
    # then: the voucher is shown, its holder masked, and redeemed with one tap
    assert voucher.offer.title in page.locator("#voucher-seen").inner_text()
    browsing.shot(page, "voucher scanned")
    page.click("form[action='/merchants/desk/redeem/'] button")
    page.get_by_text(re.compile("已核销")).first.wait_for()
    browsing.shot(page, "voucher redeemed")
    assert Voucher.objects.get(pk=voucher.pk).status == "redeemed"
    assert browsing.errors == [] and browsing.foreign == []
    browsing.close()
    browser.close()

    # when: the counter scans the resident's card
    browser = _camera_browser(pw, _qr_video(resident_card_token(resident), tmp_path / "card.y4m"))
    browsing = Browsing(browser, live_server.url, folder / "card")
    page = browsing.page()
    page.context.grant_permissions(["camera"])
    page.on("request", lambda r: urls.append(r.url))
    log_in(page, small_town.merchant.mobile)
    page.goto("/merchants/desk/")
    page.click("button[data-qr-form=card-form]")
    page.wait_for_url(re.compile(r"/merchants/desk/card/$"))
    # then: the card is valid, 12 % off, and the use is recorded and listed
    page.locator("#card-uses li").first.wait_for()
    browsing.shot(page, "card scanned")
    assert "12%" in page.locator("#card-desk .messages").inner_text()
    assert CardUse.objects.filter(resident=resident, discount_percent=12).count() == 1
    assert browsing.errors == [] and browsing.foreign == []
    browsing.close()
    browser.close()

    # and no code ever travelled in a URL
    assert not [u for u in urls if voucher.code in u or "token=" in u or "code=" in u]
