"""Every change to people and organization, one import path (``from
civicpoints.accounts import services``), split by sub-domain: ``people``
(registration, profile, staff actions, SMS verification codes) and ``wechat``
(WeChat identities and API tokens)."""

from civicpoints.accounts.services.people import (  # noqa: F401
    CodeExhausted,
    CodeExpired,
    CodeInvalid,
    CodeSentRecently,
    CodeWrong,
    MobileTaken,
    MobileUnconfirmed,
    password_change,
    password_reset_by_staff,
    password_reset_with_code,
    profile_update,
    resident_register,
    resident_register_by_staff,
    resident_register_with_code,
    user_set_language,
    user_sign_in_with_code,
    verification_code_send,
    verification_codes_purge,
)
from civicpoints.accounts.services.wechat import (  # noqa: F401
    WeChatAlreadyBound,
    WeChatTaken,
    WeChatUnbound,
    api_token_issue,
    api_token_revoke,
    api_token_user,
    wechat_identity_bind,
    wechat_identity_unbind,
    wechat_sign_in,
)
