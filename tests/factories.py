"""factory_boy factories shared by the app test folders.

Threads, answers and comments are made through ``forum.services`` so that every
stored counter is what the real code path leaves behind.
"""

import factory
from wagtail.models import Locale, Page

from accounts.models import User
from accounts.roles import Role, role_group
from forum import services
from forum.models import CategoryIndexPage, CategoryPage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            role = extracted or Role.CUSTOMER
            self.groups.add(role_group(role))
            self.forget_roles()


def _product_index() -> CategoryIndexPage:
    """The product index; a transactional test's flush empties every table, the migrations'
    pages too, so it is made again (under a root page) when missing."""
    index = CategoryIndexPage.objects.first()
    if index is None:
        Locale.objects.get_or_create(language_code="en")
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        index = root.add_child(instance=CategoryIndexPage(title="Products", slug="c"))
    return index


def make_category(title: str = "Nimbus Thermostat", slug: str | None = None) -> CategoryPage:
    index = _product_index()
    category = CategoryPage(
        title=title,
        slug=slug or title.lower().replace(" ", "-"),
        description=f"Questions about {title}.",
    )
    index.add_child(instance=category)
    return category


def make_thread(
    *,
    author: User | None = None,
    category: CategoryPage | None = None,
    title: str = "Thermostat shows error E42 after the update",
    body: str = "Since the last firmware update the display shows E42 at night.",
    tags: tuple[str, ...] = (),
):
    author = author or UserFactory()
    category = category or CategoryPage.objects.first() or make_category()
    return services.ask_question(
        author=author, category=category, title=title, body=body, tags=tags
    )


def make_answer(
    thread,
    *,
    author: User | None = None,
    body: str = "Hold the reset button for ten seconds, then pair it again.",
):
    return services.post_answer(thread, author=author or UserFactory(), body=body)


def give_trust(member: User, level: int) -> User:
    """Bring *member* to trust *level* the way members get there: reputation through the
    ledger (a staff adjustment), accepted answers as ledger entries and days visited, each
    exactly at the level's thresholds; then their level is worked out again."""
    from django.db import transaction

    from reputation import services as reputation
    from reputation.models import TrustLevel

    rung = TrustLevel.objects.get(level=level)
    staff = User.objects.filter(is_superuser=True).first() or UserFactory(
        is_superuser=True, username=f"ledger-admin-{member.pk}"
    )
    with transaction.atomic():
        have = reputation.accepted_answer_counts([member.pk]).get(member.pk, 0)
        for n in range(have, rung.min_accepted_answers):
            reputation.answer_accepted(
                source=reputation.Source(post_id=10_000_000 + member.pk * 100 + n),
                answer_author_id=member.pk,
                asker_id=staff.pk,
                actor_id=staff.pk,
                verified=False,
            )
        User.objects.filter(pk=member.pk, days_visited__lt=rung.min_days_visited).update(
            days_visited=rung.min_days_visited
        )
        member.refresh_from_db(fields=["reputation"])
        if member.reputation < rung.min_reputation:
            reputation.adjust(
                member,
                points=rung.min_reputation - member.reputation,
                actor=staff,
                note=f"tests: reach trust level {level}",
            )
        reputation.refresh_trust_levels([member.pk])
    member.refresh_from_db(fields=["reputation", "trust_level", "days_visited"])
    return member


def give_privilege(member: User, privilege: str) -> User:
    """Bring *member* to the lowest trust level that unlocks *privilege*."""
    from reputation import services as reputation

    return give_trust(member, reputation.privilege_levels()[privilege])
