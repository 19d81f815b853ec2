from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

from forum import slots

register = template.Library()


@register.simple_tag
def slot(name: str, *args: object) -> str:
    """``{% slot "vote" post.pk %}``: a hole the viewer's own bit fills (``forum.slots``)."""
    return slots.marker(name, *args)


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """This page in every language: the language is part of the URL (English unprefixed)."""
    request = context.get("request")
    path = request.path if request else "/"
    current = get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        links.append(
            {
                "code": code,
                "name": info["name_local"],
                "path": translate_url(path, code),
                "is_current": code == current,
            }
        )
    return links
