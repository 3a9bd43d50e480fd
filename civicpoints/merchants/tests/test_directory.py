"""The merchant directory: pinyin order and search, categories, each shop's cheapest offer,
the same in the API with bounded paging."""

import pytest
from django.urls import reverse

from civicpoints.merchants import selectors, services
from civicpoints.merchants.models import Merchant
from civicpoints.merchants.sorting import name_sort_key
from civicpoints.merchants.tests.conftest import make_offer

API = "/api/v1"


def test_sort_key_spells_names_in_pinyin():
    assert name_sort_key("叶子发艺") == "yezifayi"
    assert name_sort_key("KFC 肯德基!") == "kfckendeji"
    assert name_sort_key("") == ""


def _shop(town, admin, name, category):
    """A shop through the real services: apply, then the town approves."""
    shop = services.merchant_apply(
        applicant=town.alice, name=name, category=category, address="巴桥路1号"
    )
    return services.merchant_set_status(actor=admin, merchant_id=shop.pk, status="approved")


@pytest.fixture
def shops(town):
    # town.shop (叶子发艺) exists; its sort key is set here as the migration would
    Merchant.objects.filter(pk=town.shop.pk).update(sort_key=name_sort_key(town.shop.name))
    return [
        _shop(town, town.admin, "张记面馆", "餐饮"),
        _shop(town, town.admin, "阿福超市", "超市"),
        _shop(town, town.admin, "巴桥药房", "药店"),
    ]


def test_the_services_store_the_sort_key(town):
    shop = services.merchant_apply(
        applicant=town.alice, name="王记包子", category="餐饮", address="x路"
    )
    assert Merchant.objects.get(pk=shop.pk).sort_key == "wangjibaozi"


def test_directory_orders_by_pinyin_not_character_code(town, shops):
    # when
    names = [m.name for m in selectors.merchants_public(town.town.pk)]
    # then: a(福) b(桥) y(叶) z(张) — by code point 叶 (U+53F6) would come before 巴 (U+5DF4)
    assert names == ["阿福超市", "巴桥药房", "叶子发艺", "张记面馆"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("面馆", ["张记面馆"]),
        ("zhangji", ["张记面馆"]),
        ("YEZI", ["叶子发艺"]),
        ("超市", ["阿福超市"]),
    ],
)
def test_directory_search_by_words_or_pinyin(town, shops, q, expected):
    assert [m.name for m in selectors.merchants_public(town.town.pk, q=q)] == expected


def test_directory_rows_carry_the_cheapest_offer(town, shops):
    # given: the hair salon has two offers, the noodle shop none
    make_offer(town.merchant, title="洗剪吹", points_cost=50, price_fen=3500, discount_fen=500)
    make_offer(town.merchant, title="烫发", points_cost=30, price_fen=12800, discount_fen=800)
    make_offer(town.merchant, title="售罄", points_cost=1, stock=1)
    from civicpoints.merchants.models import Offer

    Offer.objects.filter(title="售罄").update(stock=0)
    # when
    rows = {m.name: m for m in selectors.merchants_public(town.town.pk)}
    # then: fewest points wins; price to pay is in fen; a sold-out offer does not count
    salon = rows["叶子发艺"]
    assert (salon.min_points, salon.min_pay_fen, salon.min_price_fen, salon.open_offers) == (
        30,
        12000,
        12800,
        2,
    )
    assert rows["张记面馆"].min_points is None
    by_points = [m.name for m in selectors.merchants_public(town.town.pk, sort="points")]
    assert by_points[0] == "叶子发艺"


def test_categories_in_pinyin_order(town, shops):
    # 餐饮 can, 超市 chao, 美发? (the fixture shop's category), 药店 yao
    cats = selectors.merchant_categories(town.town.pk)
    assert cats.index("餐饮") < cats.index("超市") < cats.index("药店")


def test_directory_page_searches_filters_and_shows_yuan(client, town, shops):
    make_offer(town.merchant, title="洗剪吹", points_cost=50, price_fen=3500, discount_fen=500)
    client.force_login(town.bob)
    # when: searched by pinyin
    page = client.get(reverse("merchants:list"), {"q": "yezi"})
    html = page.content.decode()
    # then: one shop with its cheapest offer in yuan and points
    assert [m.name for m in page.context["page"]] == ["叶子发艺"]
    assert "¥30.00" in html and "¥35.00" in html and "50" in html
    # when: a category chip
    page = client.get(reverse("merchants:list"), {"category": "药店"})
    assert [m.name for m in page.context["page"]] == ["巴桥药房"]
    # when: nonsense order is asked for, the form refuses it and the default applies
    page = client.get(reverse("merchants:list"), {"sort": "evil"})
    assert page.status_code == 200 and page.context["sort"] == "name"


def test_the_pager_keeps_search_and_category(client, town):
    for i in range(31):
        _shop(town, town.admin, f"巴桥{i:02d}号店", "餐饮")
    client.force_login(town.bob)
    page = client.get(reverse("merchants:list"), {"q": "巴桥", "category": "餐饮"})
    html = page.content.decode()
    assert page.context["page"].paginator.count == 31
    assert "?q=%E5%B7%B4%E6%A1%A5&amp;category=%E9%A4%90%E9%A5%AE&amp;page=2" in html


def test_directory_api_pages_and_validates(client, town, shops):
    make_offer(town.merchant, title="洗剪吹", points_cost=50, price_fen=3500, discount_fen=500)
    client.force_login(town.bob)
    # when
    body = client.get(f"{API}/merchants", {"limit": 2}).json()
    # then: paged, pinyin order, with the cheapest offer
    assert body["count"] == 4
    assert [m["name"] for m in body["items"]] == ["阿福超市", "巴桥药房"]
    salon = client.get(f"{API}/merchants", {"q": "叶子"}).json()["items"][0]
    assert (salon["min_points"], salon["min_pay_fen"], salon["min_price_fen"]) == (50, 3000, 3500)
    assert client.get(f"{API}/merchants", {"sort": "evil"}).status_code == 422
    assert client.get(f"{API}/merchants", {"limit": 1000}).status_code == 422
    assert client.get(f"{API}/merchants", {"q": "x" * 41}).status_code == 422
