from django.urls import path

from civicpoints.merchants import views

app_name = "merchants"
urlpatterns = [
    path("", views.merchant_list_view, name="list"),
    path("apply/", views.apply_view, name="apply"),
    path("<int:merchant_id>/", views.merchant_detail_view, name="detail"),
    path(
        "<int:merchant_id>/offers/<int:offer_id>/exchange/",
        views.exchange_view,
        name="exchange",
    ),
    path("vouchers/", views.my_vouchers_view, name="my_vouchers"),
    path("vouchers/<int:voucher_id>/", views.voucher_view, name="voucher"),
    path("vouchers/<int:voucher_id>/cancel/", views.voucher_cancel_view, name="voucher_cancel"),
    path("card/", views.my_card_view, name="my_card"),
    path("desk/", views.desk_view, name="desk"),
    path("desk/check/", views.desk_check_view, name="desk_check"),
    path("desk/redeem/", views.desk_redeem_view, name="desk_redeem"),
    path("desk/card/", views.desk_card_view, name="desk_card"),
    path("desk/card-discount/", views.desk_percent_view, name="desk_percent"),
    path("desk/offers/", views.desk_offers_view, name="desk_offers"),
    path(
        "desk/offers/<int:offer_id>/active/",
        views.desk_offer_active_view,
        name="desk_offer_active",
    ),
    path(
        "desk/offers/<int:offer_id>/restock/",
        views.desk_offer_restock_view,
        name="desk_offer_restock",
    ),
    path("desk/settlement/", views.desk_settlement_view, name="desk_settlement"),
    path("town/", views.town_view, name="town"),
    path("town/settlement/", views.town_settlement_all_view, name="town_settlement_all"),
    path("town/<int:merchant_id>/", views.town_merchant_view, name="town_merchant"),
    path(
        "town/<int:merchant_id>/status/",
        views.town_merchant_status_view,
        name="town_merchant_status",
    ),
    path(
        "town/<int:merchant_id>/settlement/",
        views.town_settlement_view,
        name="town_settlement",
    ),
    path("staff/cards/", views.staff_cards_view, name="staff_cards"),
    path(
        "staff/cards/<int:resident_id>/",
        views.staff_card_status_view,
        name="staff_card_status",
    ),
]
