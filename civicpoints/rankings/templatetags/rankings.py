"""``{% load rankings %}{% honours_for person %}``: the person's published honours."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from civicpoints.rankings.selectors import honours_of

register = template.Library()


@register.inclusion_tag("rankings/_profile_honours.html")
def honours_for(person):
    """Render the honours ``person`` (or their household) holds; nothing when none."""
    if not getattr(person, "is_authenticated", False):
        return {"honours": []}
    return {"honours": honours_of(person)}


@register.simple_tag
def change_mark(change: int | None) -> SafeString:
    """The daily board's change arrow: places gained (▲n), lost (▼n), unchanged (–) or new.

    A tag rather than an ``{% include %}``: the board renders it on each of up to
    100 rows, and an include per row cost about as much as the rest of the table.
    """
    if change is None:
        return format_html('<span class="change new">{}</span>', _("new"))
    if change > 0:
        return format_html(
            '<span class="change up" title="{}">▲{}</span>', _("up %(n)s") % {"n": change}, change
        )
    if change < 0:
        return format_html(
            '<span class="change down" title="{}">▼{}</span>',
            _("down %(n)s") % {"n": -change},
            -change,
        )
    return format_html('<span class="change same" title="{}">–</span>', _("unchanged"))
