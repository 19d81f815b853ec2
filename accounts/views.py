from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import services
from accounts.forms import ProfileForm
from accounts.models import User

PROFILE_LIST_LENGTH = 20


@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    # accounts sits below forum, so the profile's lists are fetched through the reverse
    # relations the forum models declare (threads, posts) rather than by importing forum.
    member = get_object_or_404(
        User.objects.prefetch_related("groups"), username=username, is_active=True
    )
    threads = (
        member.threads.filter(is_deleted=False)
        .select_related("category")
        .prefetch_related("tags")
        .order_by("-created_at")
    )
    answers = (
        member.posts.filter(kind="answer", is_deleted=False, thread__is_deleted=False)
        .select_related("thread")
        .order_by("-created_at")
    )
    accepted = answers.filter(thread__accepted_answer=F("pk"))
    context = {
        "member": member,
        "threads": threads[:PROFILE_LIST_LENGTH],
        "thread_count": threads.count(),
        "answers": answers[:PROFILE_LIST_LENGTH],
        "answer_count": answers.count(),
        "accepted": accepted[:PROFILE_LIST_LENGTH],
        "accepted_count": accepted.count(),
        "can_edit": request.user.is_authenticated and request.user.pk == member.pk,
    }
    return render(request, "accounts/profile.html", context)


@login_required
def edit_profile(request: HttpRequest, username: str) -> HttpResponse:
    if request.user.username != username:
        raise PermissionDenied(_("You can only edit your own profile."))
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=User.objects.get(pk=user.pk))
        if form.is_valid():
            data = form.cleaned_data
            services.update_profile(
                user,
                display_name=data["display_name"],
                bio=data["bio"],
                avatar=request.FILES.get("avatar"),
                clear_avatar=data["avatar"] is False,
            )
            messages.success(request, _("Your profile is saved."))
            return redirect(user)
    else:
        form = ProfileForm(instance=user)
    return render(request, "accounts/profile_edit.html", {"form": form, "member": user})
