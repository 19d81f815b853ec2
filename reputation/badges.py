"""The badge catalogue, the rules that award it, and staff awarding and revoking.

A badge is held once (``scope`` "") or once per product (``scope`` the product's id as a
string). Rules look at a member and say which scopes of their badge the member has
earned; ``check_member`` creates the awards that are missing. The database constraint on
(member, badge, scope) is what keeps an award from being made twice: each award is
created in a savepoint and an ``IntegrityError`` means someone else made it first. A
revoked award keeps its row, so no rule hands it out again; only staff can.

Most rules read the reputation ledger (standing entries) and the member's stored
activity. Rules that need forum facts (a published question) are registered by the
forum with ``register_rule`` (reputation sits below the forum and cannot import it), as
is the list of products staff may scope an award to (``register_products``).

Interface other parts rely on:
- ``check_member(member_id) -> list[BadgeAward]``: award every badge *member_id* now
  earns (the background task ``reputation.tasks.check_badges`` calls it).
- ``held(member_id) -> list[HeldBadge]``: the badges a member holds (not revoked), for
  profiles; ``HeldBadge`` has ``code``, ``name``, ``description``, ``tier`` ("bronze",
  "silver", "gold"), ``scope`` ("" or a product id as a string) and ``awarded_at``.
  Per-product badges name no product here: the forum names them for a viewer and leaves
  out the products that viewer may not see (``forum.badges.held_for_viewer``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from reputation import events
from reputation.models import BadgeAward, Reason
from reputation.services import accepted_answer_counts, standing

AWARD_PERMISSION = "reputation.add_badgeaward"
REVOKE_PERMISSION = "reputation.change_badgeaward"
VIEW_PERMISSION = "reputation.view_badgeaward"

GREAT_ANSWER_UPVOTES = 10
HELPFUL_IN_PRODUCT_UPVOTES = 10


class Tier:
    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"

    LABELS = {BRONZE: _("Bronze"), SILVER: _("Silver"), GOLD: _("Gold")}


class Scope:
    """How often a badge can be held: once, or once per product."""

    ONCE = "once"
    PER_PRODUCT = "product"


@dataclass(frozen=True)
class Badge:
    code: str
    name: Promise
    description: Promise
    tier: str
    scope: str = Scope.ONCE
    # A name with the product in it, for per-product badges ("Helpful in %(product)s").
    scoped_name: Promise | None = None
    # False: only staff award it (no rule does).
    by_rule: bool = True

    @property
    def per_product(self) -> bool:
        return self.scope == Scope.PER_PRODUCT

    @property
    def tier_label(self) -> Promise:
        return Tier.LABELS[self.tier]

    def name_for(self, product: str | None = None) -> str:
        """The badge's name, with *product* in it when it is held for one."""
        if self.per_product and product and self.scoped_name is not None:
            return str(self.scoped_name) % {"product": product}
        return str(self.name)


CATALOGUE: dict[str, Badge] = {
    badge.code: badge
    for badge in (
        Badge(
            "first_question",
            _("First question"),
            _("Asked a question that was published."),
            Tier.BRONZE,
        ),
        Badge(
            "first_answer",
            _("First answer"),
            _("Answered someone's question, and the answer was published."),
            Tier.BRONZE,
        ),
        Badge(
            "first_accepted",
            _("First solution"),
            _("Wrote an answer that the asker or staff accepted as the solution."),
            Tier.BRONZE,
        ),
        Badge(
            "accepted_10",
            _("Problem solver"),
            _("Wrote 10 answers accepted as solutions."),
            Tier.SILVER,
        ),
        Badge(
            "accepted_100",
            _("Expert"),
            _("Wrote 100 answers accepted as solutions."),
            Tier.GOLD,
        ),
        Badge(
            "great_answer",
            _("Great answer"),
            _("Wrote an answer that 10 members voted up."),
            Tier.SILVER,
        ),
        Badge(
            "helpful_in_product",
            _("Helpful in a product"),
            _("Earned 10 upvotes on answers about one product (held once per product)."),
            Tier.SILVER,
            scope=Scope.PER_PRODUCT,
            scoped_name=_("Helpful in %(product)s"),
        ),
        Badge(
            "verified_solution",
            _("Verified by the brand team"),
            _("Wrote a solution that the brand team verified."),
            Tier.SILVER,
        ),
        Badge(
            "streak_7",
            _("Regular visitor"),
            _("Visited the community 7 days in a row."),
            Tier.BRONZE,
        ),
        Badge(
            "streak_30",
            _("Devoted visitor"),
            _("Visited the community 30 days in a row."),
            Tier.SILVER,
        ),
        Badge(
            "community_hero",
            _("Community hero"),
            _("Recognised by the staff for outstanding help to the community."),
            Tier.GOLD,
            by_rule=False,
        ),
    )
}


def get_badge(code: str) -> Badge | None:
    return CATALOGUE.get(code)


# --- Rules. A rule takes the member and returns the scopes of its badge they have earned
# ("" for a badge held once).

Rule = Callable[[User], Iterable[str]]
RULES: dict[str, Rule] = {}
# The forum's list of products, ``(id, title)``: the one provider, set at start-up.
_PRODUCTS: dict[str, Callable[[], list[tuple[int, str]]]] = {}


def register_rule(code: str, rule: Rule) -> None:
    """Make *rule* decide badge *code* (registering again replaces it)."""
    if code not in CATALOGUE:
        raise ValueError(f"no badge {code!r} in the catalogue")
    if not CATALOGUE[code].by_rule:
        raise ValueError(f"badge {code!r} is awarded only by staff")
    RULES[code] = rule


def register_products(products: Callable[[], list[tuple[int, str]]]) -> None:
    """Tell the badges where the products are: ``products()`` lists ``(id, title)``.

    Staff pick the product of a per-product award from it, and the admin names scopes
    with it. The forum registers it (reputation cannot import the forum).
    """
    _PRODUCTS["products"] = products


def products() -> list[tuple[int, str]]:
    provider = _PRODUCTS.get("products")
    return provider() if provider is not None else []


def _once(earned: bool) -> set[str]:
    return {""} if earned else set()


def _accepted_count(member: User) -> int:
    # Memoised on the instance for one check: three rules ask for the same number.
    if not hasattr(member, "_badge_accepted_count"):
        member._badge_accepted_count = accepted_answer_counts([member.pk]).get(member.pk, 0)
    return member._badge_accepted_count


def _standing_upvotes(member: User):
    return standing().filter(member_id=member.pk, reason=Reason.ANSWER_UPVOTED)


def _great_answer(member: User) -> set[str]:
    return _once(
        _standing_upvotes(member)
        .values("post_id")
        .annotate(upvotes=Count("pk"))
        .filter(upvotes__gte=GREAT_ANSWER_UPVOTES)
        .exists()
    )


def _helpful_in_product(member: User) -> set[str]:
    rows = (
        _standing_upvotes(member)
        .filter(product_id__isnull=False)
        .values("product_id")
        .annotate(upvotes=Count("pk"))
        .filter(upvotes__gte=HELPFUL_IN_PRODUCT_UPVOTES)
        .values_list("product_id", flat=True)
    )
    return {str(product_id) for product_id in rows}


def _verified_solution(member: User) -> set[str]:
    return _once(standing().filter(member_id=member.pk, reason=Reason.SOLUTION_VERIFIED).exists())


register_rule("first_accepted", lambda member: _once(_accepted_count(member) >= 1))
register_rule("accepted_10", lambda member: _once(_accepted_count(member) >= 10))
register_rule("accepted_100", lambda member: _once(_accepted_count(member) >= 100))
register_rule("great_answer", _great_answer)
register_rule("helpful_in_product", _helpful_in_product)
register_rule("verified_solution", _verified_solution)
register_rule("streak_7", lambda member: _once(member.visit_streak >= 7))
register_rule("streak_30", lambda member: _once(member.visit_streak >= 30))


# --- Awarding.


def _emit_awarded(award: BadgeAward, actor_id: int | None) -> None:
    events.emit(
        events.badge_awarded,
        member_id=award.member_id,
        badge=award.badge,
        scope=award.scope,
        award_id=award.pk,
        actor_id=actor_id,
    )


def check_member(member_id: int) -> list[BadgeAward]:
    """Award *member_id* every badge whose rule they now meet; returns the new awards.

    Idempotent and safe to run twice at once: each award is created in its own savepoint
    and the unique (member, badge, scope) constraint refuses a second one, revoked or not.
    Each new award emits ``badge_awarded`` in its transaction.
    """
    member = User.objects.filter(pk=member_id).first()
    if member is None:
        return []
    # Only to skip work: the constraint, not this read, keeps an award from being made twice.
    existing = set(BadgeAward.objects.filter(member_id=member_id).values_list("badge", "scope"))
    new: list[BadgeAward] = []
    for code, rule in RULES.items():
        for scope in sorted(set(rule(member))):
            if (code, scope) in existing:
                continue
            try:
                with transaction.atomic():
                    award = BadgeAward.objects.create(member_id=member_id, badge=code, scope=scope)
                    _emit_awarded(award, None)
            except IntegrityError:  # made meanwhile by another check, or revoked
                continue
            new.append(award)
    return new


def _clean(badge: Badge | str, scope: str, reason: str) -> tuple[Badge, str, str]:
    found = badge if isinstance(badge, Badge) else get_badge(badge)
    if found is None:
        raise ValueError(f"no badge {badge!r} in the catalogue")
    scope = (scope or "").strip()
    if found.per_product and not scope.isdigit():
        raise ValueError(f"badge {found.code!r} is held per product: name the product")
    if not found.per_product and scope:
        raise ValueError(f"badge {found.code!r} is held once: it takes no product")
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("staff award and revoke badges with a reason")
    return found, scope, reason[:300]


def can_award_badges(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(AWARD_PERMISSION))


def can_revoke_badges(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(REVOKE_PERMISSION))


@transaction.atomic
def award_badge(
    member: User, badge: Badge | str, *, scope: str = "", actor: User, reason: str
) -> BadgeAward | None:
    """Staff award *badge* (for product *scope*, when it is held per product) to *member*.

    A revoked award is given back: its row is un-revoked with *actor* and *reason*.
    Idempotent: returns None and writes nothing when *member* already holds it. Emits
    ``badge_awarded``. Raises ``PermissionDenied`` without ``reputation.add_badgeaward``
    and ``ValueError`` for an unknown badge, a wrong scope or no reason.
    """
    if not can_award_badges(actor):
        raise PermissionDenied
    found, scope, reason = _clean(badge, scope, reason)
    now = timezone.now()
    try:
        with transaction.atomic():
            award = BadgeAward.objects.create(
                member=member,
                badge=found.code,
                scope=scope,
                awarded_at=now,
                awarded_by=actor,
                reason=reason,
            )
    except IntegrityError:
        # It exists: give it back if it was revoked (guarded by that state).
        award = BadgeAward.objects.get(member=member, badge=found.code, scope=scope)
        restored = BadgeAward.objects.filter(pk=award.pk, revoked_at__isnull=False).update(
            revoked_at=None,
            revoked_by=None,
            revoke_reason="",
            awarded_at=now,
            awarded_by=actor,
            reason=reason,
        )
        if not restored:
            return None
        award.refresh_from_db()
    _emit_awarded(award, actor.pk)
    return award


@transaction.atomic
def revoke_badge(award: BadgeAward, *, actor: User, reason: str) -> bool:
    """Staff take *award* back, saying why. Its row stays, so no rule awards it again.

    Idempotent: returns False and writes nothing when it was already revoked. Emits
    ``badge_revoked``. Raises ``PermissionDenied`` without ``reputation.change_badgeaward``
    and ``ValueError`` without a reason.
    """
    if not can_revoke_badges(actor):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("staff award and revoke badges with a reason")
    revoked = BadgeAward.objects.filter(pk=award.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor, revoke_reason=reason[:300]
    )
    if not revoked:
        return False
    award.refresh_from_db()
    events.emit(
        events.badge_revoked,
        member_id=award.member_id,
        badge=award.badge,
        scope=award.scope,
        award_id=award.pk,
        actor_id=actor.pk,
    )
    return True


# --- Reading.


@dataclass(frozen=True)
class HeldBadge:
    code: str
    name: str
    description: str
    tier: str
    scope: str
    awarded_at: datetime


def held(member_id: int) -> list[HeldBadge]:
    """The badges *member_id* holds now (revoked ones left out), newest first, one query."""
    awards = BadgeAward.objects.filter(member_id=member_id, revoked_at__isnull=True).order_by(
        "-awarded_at", "-pk"
    )
    result = []
    for award in awards:
        badge = CATALOGUE.get(award.badge)
        if badge is None:  # a badge since taken out of the catalogue
            continue
        result.append(
            HeldBadge(
                code=badge.code,
                name=str(badge.name),
                description=str(badge.description),
                tier=badge.tier,
                scope=award.scope,
                awarded_at=award.awarded_at,
            )
        )
    return result
