from django.urls import path

from civicpoints.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code_view, name="login_code"),
    path("password/reset/", views.password_reset_view, name="password_reset"),
    path("logout/", views.logout_view, name="logout"),
    path("dev/sms/", views.dev_sms_outbox_view, name="dev_sms"),
    path("wechat/login/", views.wechat_login_view, name="wechat_login"),
    path("wechat/callback/", views.wechat_callback_view, name="wechat_callback"),
    path("wechat/bind/", views.wechat_bind_view, name="wechat_bind"),
    path("wechat/unbind/", views.wechat_unbind_view, name="wechat_unbind"),
    path("elder-mode/", views.elder_mode_view, name="elder_mode"),
    path("register/", views.register_view, name="register"),
    path("profile/edit/", views.profile_edit_view, name="profile_edit"),
    path("password/", views.password_change_view, name="password_change"),
    path("card/", views.my_card_view, name="card"),
    path("card.svg", views.card_qr_svg, name="card_svg"),
    path("card/revoke/", views.card_revoke_view, name="card_revoke"),
    path("staff/residents/", views.staff_residents_view, name="staff_residents"),
    path("staff/residents/new/", views.staff_register_view, name="staff_register"),
    path(
        "staff/residents/<int:resident_id>/password-reset/",
        views.staff_password_reset_view,
        name="staff_password_reset",
    ),
    path("staff/residents/<int:resident_id>/card/", views.staff_card_view, name="staff_card"),
    path(
        "staff/residents/<int:resident_id>/card/revoke/",
        views.staff_card_revoke_view,
        name="staff_card_revoke",
    ),
]
