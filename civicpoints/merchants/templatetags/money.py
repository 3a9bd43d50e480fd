from django import template

from civicpoints.merchants.selectors import fen_to_yuan

register = template.Library()


@register.filter
def yuan(fen):
    """Integer fen shown as yuan with two decimals ("35.00"); exact."""
    return fen_to_yuan(fen or 0)
