"""``{% load rankings %}{% honours_for person %}``: the person's published honours."""

from django import template

from civicpoints.rankings.selectors import honours_of

register = template.Library()


@register.inclusion_tag("rankings/_profile_honours.html")
def honours_for(person):
    """Render the honours ``person`` (or their household) holds; nothing when none."""
    if not getattr(person, "is_authenticated", False):
        return {"honours": []}
    return {"honours": honours_of(person)}
