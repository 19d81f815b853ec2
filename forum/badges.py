"""The forum's part of badges: the rules that need posts, the products, and product visibility.

Reputation keeps the catalogue and awards (``reputation.badges``) but cannot import the
forum, so the forum registers here, when it starts (``ForumConfig.ready``), the rules
that read forum rows and the list of products staff may scope an award to. Showing a
per-product award names a product, so it passes through the viewer's product visibility
(``forum.permissions.visible_category_ids``): an award for a product the viewer may not
see is left out for that viewer.
"""

from dataclasses import replace

from accounts.models import User
from forum.models import CategoryPage, Post, Visibility
from forum.permissions import AnyUser, visible_category_ids
from reputation import badges
from reputation.badges import HeldBadge


def _has_published(member: User, kind: str) -> set[str]:
    published = Post.objects.filter(
        author_id=member.pk,
        kind=kind,
        state=Visibility.PUBLISHED,
        thread__state=Visibility.PUBLISHED,
    ).exists()
    return {""} if published else set()


def first_question(member: User) -> set[str]:
    """The member has a published question (in a published thread)."""
    return _has_published(member, Post.Kind.QUESTION)


def first_answer(member: User) -> set[str]:
    """The member has a published answer (in a published thread)."""
    return _has_published(member, Post.Kind.ANSWER)


def all_products() -> list[tuple[int, str]]:
    """Every product, live or not, for staff scoping an award."""
    return list(CategoryPage.objects.order_by("title").values_list("pk", "title"))


badges.register_rule("first_question", first_question)
badges.register_rule("first_answer", first_answer)
badges.register_products(all_products)


def visible_scopes(viewer: AnyUser) -> frozenset[str]:
    """The scopes (product ids as strings) of per-product awards *viewer* may see."""
    return frozenset(str(pk) for pk in visible_category_ids(viewer))


def product_titles(scopes: set[str] | frozenset[str]) -> dict[str, str]:
    """The product titles for *scopes* (product ids as strings), in one query."""
    ids = [int(scope) for scope in scopes if scope.isdigit()]
    if not ids:
        return {}
    return {
        str(pk): title
        for pk, title in CategoryPage.objects.filter(pk__in=ids).values_list("pk", "title")
    }


def held_for_viewer(viewer: AnyUser, member_id: int) -> list[HeldBadge]:
    """The badges *member_id* holds as *viewer* may see them, for the profile page.

    Per-product badges are named for their product ("Helpful in Nimbus Thermostat");
    those for products *viewer* may not see are left out. Two queries at most.
    """
    held = badges.held(member_id)
    allowed = visible_scopes(viewer)
    shown = [badge for badge in held if not badge.scope or badge.scope in allowed]
    titles = product_titles({badge.scope for badge in shown if badge.scope})
    return [
        replace(badge, name=badges.CATALOGUE[badge.code].name_for(titles.get(badge.scope)))
        if badge.scope
        else badge
        for badge in shown
    ]
