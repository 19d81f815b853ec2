"""The library's pages: /solutions/ (browse by product and tier), one solution, and the
brand team's actions on it (verify, promote to an article), and feedback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum import permissions as forum_permissions
from forum.models import CategoryPage, Post, Thread
from solutions import permissions, services
from solutions.forms import FeedbackForm, VerifyForm
from solutions.models import Solution, SolutionArticle

PER_PAGE = 20


def _visible_solutions(user):
    threads = forum_permissions.visible_threads(
        user, Thread.objects.all(), include_own_pending=False
    )
    return Solution.objects.filter(thread__in=threads)


def library(request: HttpRequest) -> HttpResponse:
    solutions = _visible_solutions(request.user).select_related(
        "thread", "thread__category", "answer"
    )
    products = (
        CategoryPage.objects.filter(pk__in=forum_permissions.visible_category_ids(request.user))
        .live()
        .order_by("title")
    )
    product = None
    if slug := request.GET.get("product"):
        product = next((p for p in products if p.slug == slug), None)
        if product is not None:
            solutions = solutions.filter(thread__category=product)
    tier = request.GET.get("tier")
    if tier == Solution.Tier.VERIFIED:
        solutions = solutions.filter(tier=Solution.Tier.VERIFIED)
    else:
        tier = ""
    sort = request.GET.get("sort")
    order = ["-helpful_yes", "-accepted_at"] if sort == "helpful" else ["-accepted_at", "-pk"]
    page = Paginator(solutions.order_by(*order), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "solutions/library.html",
        {
            "page_obj": page,
            "solutions": page.object_list,
            "products": products,
            "product": product,
            "tier": tier,
            "sort": sort or "",
            "list_query": query.urlencode(),
        },
    )


def _solution_for(request: HttpRequest, thread_id: int) -> Solution:
    solution = (
        _visible_solutions(request.user)
        .select_related("thread", "thread__category", "answer", "answer__author", "verified_by")
        .filter(thread_id=thread_id)
        .first()
    )
    if solution is None:
        raise Http404
    return solution


def detail(request: HttpRequest, thread_id: int) -> HttpResponse:
    solution = _solution_for(request, thread_id)
    question = Post.objects.filter(thread_id=thread_id, kind=Post.Kind.QUESTION).first()
    article = SolutionArticle.objects.filter(thread_id=thread_id).first()
    can_curate = permissions.can_curate(request.user, solution)
    context = {
        "solution": solution,
        "thread": solution.thread,
        "question": question,
        "article": article if article and (article.live or can_curate) else None,
        "can_curate": can_curate,
        "verify_form": VerifyForm(
            initial={"versions": solution.versions, "review_by": solution.review_by}
        ),
        "feedback_form": FeedbackForm(),
        "feedback_url": reverse("solutions:feedback", args=[thread_id]),
    }
    return render(request, "solutions/detail.html", context)


@login_required
@require_POST
def verify(request: HttpRequest, thread_id: int) -> HttpResponse:
    solution = _solution_for(request, thread_id)
    permissions.check_curate(request.user, solution)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        question = Post.objects.filter(thread_id=thread_id, kind=Post.Kind.QUESTION).first()
        return render(
            request,
            "solutions/detail.html",
            {
                "solution": solution,
                "thread": solution.thread,
                "question": question,
                "can_curate": True,
                "verify_form": form,
                "feedback_form": FeedbackForm(),
                "feedback_url": reverse("solutions:feedback", args=[thread_id]),
            },
            status=400,
        )
    services.verify_solution(
        solution,
        actor=request.user,
        versions=form.cleaned_data["versions"],
        review_by=form.cleaned_data["review_by"],
    )
    messages.success(request, _("The solution is verified."))
    return redirect("solutions:detail", thread_id=thread_id)


@login_required
@require_POST
def promote(request: HttpRequest, thread_id: int) -> HttpResponse:
    solution = _solution_for(request, thread_id)
    article = services.promote_to_article(solution, actor=request.user)
    messages.success(request, _("A draft article is ready: edit it and send it for publication."))
    return redirect("wagtailadmin_pages:edit", article.pk)


@require_POST
def feedback(request: HttpRequest, thread_id: int) -> HttpResponse:
    solution = _solution_for(request, thread_id)
    return _feedback(request, solution=solution, back=reverse("solutions:detail", args=[thread_id]))


@require_POST
def article_feedback(request: HttpRequest, page_id: int) -> HttpResponse:
    article = SolutionArticle.objects.live().public().filter(pk=page_id).first()
    if article is None:
        raise Http404
    return _feedback(request, article=article, back=article.url)


def _feedback(request: HttpRequest, *, back: str, **item) -> HttpResponse:
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    if request.user.is_authenticated:
        who = {"member": request.user}
    else:
        if not request.session.session_key:
            request.session.save()
        who = {"session_key": request.session.session_key}
    services.give_feedback(
        **item,
        **who,
        helpful=form.cleaned_data["helpful"],
        comment=form.cleaned_data["comment"],
    )
    messages.success(request, _("Thank you: your answer helps us improve the library."))
    return redirect(back)
