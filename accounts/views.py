from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import services
from accounts.forms import ProfileForm
from accounts.models import User


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
