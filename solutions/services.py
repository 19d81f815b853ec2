"""The solution library's state changes. Each is the only code path for its change."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum.models import CategoryPage, HomePage, Post, Thread
from reputation import services as reputation
from solutions import events, permissions
from solutions.models import ArticleIndexPage, Feedback, Solution, SolutionArticle

ANSWER_CHANGED = "The thread's accepted answer changed since this article was written."
ANSWER_WITHDRAWN = "The thread no longer has an accepted answer."


@transaction.atomic
def sync_solution(thread_id: int, *, actor_id: int | None = None) -> Solution | None:
    """Bring the library in step with thread *thread_id*'s accepted answer: add, change or
    drop its solution. Accepted by a brand representative of the product (not the asker),
    it is verified at once. Articles promoted from the thread are flagged for review when
    the solution they were written from changes. Idempotent."""
    thread = Thread.objects.select_for_update().filter(pk=thread_id).first()
    solution = Solution.objects.select_for_update().filter(thread_id=thread_id).first()
    answer_id = thread.accepted_answer_id if thread else None
    if answer_id is None:
        if solution is not None:
            solution.delete()
            _flag_articles(thread_id, ANSWER_WITHDRAWN)
        return None
    if solution is not None and solution.answer_id == answer_id:
        return solution
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    verified = (
        actor is not None and actor.pk != thread.author_id and actor.moderates(thread.category_id)
    )
    values = {
        "answer_id": answer_id,
        "accepted_at": thread.accepted_at or timezone.now(),
        "tier": Solution.Tier.VERIFIED if verified else Solution.Tier.ACCEPTED,
        "verified_by": actor if verified else None,
        "verified_at": timezone.now() if verified else None,
        "outdated_since": None,
    }
    if solution is None:
        return Solution.objects.create(thread=thread, **values)
    for name, value in values.items():
        setattr(solution, name, value)
    solution.save()
    _flag_articles(thread_id, ANSWER_CHANGED)
    return solution


def _flag_articles(thread_id: int, reason: str) -> None:
    SolutionArticle.objects.filter(thread_id=thread_id).update(
        needs_review=True, review_reason=reason
    )


@transaction.atomic
def verify_solution(
    solution: Solution,
    *,
    actor: User,
    versions: str = "",
    review_by: datetime.date | None = None,
) -> Solution:
    """A brand representative vouches for *solution*, for the product *versions* and until
    *review_by* (when it should be checked again). Verifying a verified solution updates
    its versions and date. The answer's author earns the verified-solution points once."""
    permissions.check_curate(actor, solution)
    locked = (
        Solution.objects.select_for_update().select_related("thread", "answer").get(pk=solution.pk)
    )
    newly = locked.tier != Solution.Tier.VERIFIED
    locked.versions = versions.strip()
    locked.review_by = review_by
    locked.outdated_since = None
    if newly:
        locked.tier = Solution.Tier.VERIFIED
        locked.verified_by = actor
        locked.verified_at = timezone.now()
        reputation.solution_verified(
            source=reputation.Source(
                post_id=locked.answer_id,
                thread_id=locked.thread_id,
                product_id=locked.thread.category_id,
            ),
            answer_author_id=locked.answer.author_id,
            actor_id=actor.pk,
        )
    locked.save()
    events.emit(
        events.solution_verified if newly else events.solution_changed,
        thread_id=locked.thread_id,
        solution_id=locked.pk,
        actor_id=actor.pk,
    )
    return locked


def mark_outdated(*, today: datetime.date | None = None) -> int:
    """Solutions whose re-check date has passed now say "may be outdated" and join the
    staff's list to re-check. Returns how many were marked."""
    today = today or timezone.localdate()
    marked = 0
    due = Solution.objects.filter(review_by__lt=today, outdated_since__isnull=True)
    for solution_id, thread_id in due.values_list("pk", "thread_id"):
        with transaction.atomic():
            if Solution.objects.filter(pk=solution_id, outdated_since__isnull=True).update(
                outdated_since=today
            ):
                marked += 1
                events.emit(
                    events.solution_changed,
                    thread_id=thread_id,
                    solution_id=solution_id,
                    actor_id=None,
                )
    return marked


def _library() -> ArticleIndexPage:
    index = ArticleIndexPage.objects.first()
    if index is None:
        home = HomePage.objects.first()
        index = home.add_child(
            instance=ArticleIndexPage(title=_("Solution articles"), slug="library")
        )
    return index


@transaction.atomic
def promote_to_article(solution: Solution, *, actor: User) -> SolutionArticle:
    """Draft a curated article from *solution*'s question and accepted answer, to edit and
    publish through Wagtail's workflow; the article and the thread link to each other.
    A thread has one article: promoting again returns it."""
    permissions.check_curate(actor, solution)
    existing = SolutionArticle.objects.filter(thread_id=solution.thread_id).first()
    if existing is not None:
        return existing
    thread = solution.thread
    question = Post.objects.get(thread=thread, kind=Post.Kind.QUESTION)
    article = SolutionArticle(
        title=thread.title,
        slug=f"{thread.slug or 'article'}-{thread.pk}"[:80],
        thread=thread,
        product=CategoryPage.objects.filter(pk=thread.category_id).first(),
        problem=question.body_html,
        solution=solution.answer.body_html,
        versions=solution.versions,
        live=False,
        owner=actor,
    )
    _library().add_child(instance=article)
    article.save_revision(user=actor, log_action=True)
    return article


def give_feedback(
    *,
    solution: Solution | None = None,
    article: SolutionArticle | None = None,
    member: User | None = None,
    session_key: str = "",
    helpful: bool,
    comment: str = "",
) -> Feedback:
    """Record "Did this solve your problem?" for a solution or an article: one answer per
    member (or per visitor's session) and item; answering again replaces the answer.
    The item's yes/no counters move with it."""
    model = Solution if solution is not None else SolutionArticle
    item = solution if solution is not None else article
    who = {"member": member} if member is not None else {"member": None, "session_key": session_key}
    where = {"solution": solution} if solution is not None else {"article": article}
    with transaction.atomic():
        feedback = Feedback.objects.select_for_update().filter(**where, **who).first()
        if feedback is None:
            try:
                with transaction.atomic():
                    feedback = Feedback.objects.create(
                        **where, **who, helpful=helpful, comment=comment.strip()
                    )
            except IntegrityError:  # the same visitor twice at once: the first one counts
                return Feedback.objects.get(**where, **who)
            _count(model, item.pk, helpful, +1)
            return feedback
        if feedback.helpful != helpful:
            _count(model, item.pk, feedback.helpful, -1)
            _count(model, item.pk, helpful, +1)
        feedback.helpful = helpful
        feedback.comment = comment.strip() or feedback.comment
        feedback.save(update_fields=["helpful", "comment"])
        return feedback


def _count(model, pk: int, helpful: bool, step: int) -> None:
    field = "helpful_yes" if helpful else "helpful_no"
    model.objects.filter(pk=pk).update(**{field: F(field) + step})


def article_publication_changed(article: SolutionArticle, *, published: bool) -> None:
    """Wagtail published or unpublished an article: announce it (search indexes it)."""
    events.emit(
        events.article_published if published else events.article_unpublished,
        article_id=article.pk,
        thread_id=article.thread_id,
    )
