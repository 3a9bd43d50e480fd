"""Chinese names in an order residents expect: by Hanyu Pinyin, not by character code.

Sorting by Unicode code point puts 叶 (U+53F6) before 巴 (U+5DF4): an order nobody
can search by eye. ``name_sort_key`` spells a name in toneless pinyin (``pypinyin``,
the most common reading of each character; letters and digits kept, lower-cased),
which both orders the directory (巴桥面馆 "baqiaomianguan" before 叶子发艺
"yezifayi") and lets a resident find a shop by typing its pinyin.
"""

from pypinyin import Style, lazy_pinyin

SORT_KEY_LENGTH = 255


def name_sort_key(name: str) -> str:
    """``name`` as lower-case toneless pinyin without spaces, at most 255 characters.

    Characters that are neither Han nor letters/digits (spaces, punctuation) are dropped.
    Example: ``name_sort_key("叶子发艺")`` → ``"yezifayi"``; ``"KFC 肯德基"`` → ``"kfckendeji"``.
    """
    syllables = lazy_pinyin(str(name or ""), style=Style.NORMAL, errors="default")
    text = "".join(syllables).lower()
    return "".join(ch for ch in text if ch.isalnum())[:SORT_KEY_LENGTH]
