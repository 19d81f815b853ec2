from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

AVATAR_MAX_BYTES = 2 * 1024 * 1024


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "bio", "avatar"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "display_name": _("Shown instead of your username. Up to 60 characters."),
            "bio": _("A few words about you. Up to 500 characters."),
            "avatar": _("A square PNG, JPEG, GIF or WebP image, at most 2 MB."),
        }
        error_messages = {
            "display_name": {
                "max_length": _(
                    "Keep the display name to %(limit_value)d characters (it has %(show_value)d)."
                )
            },
            "bio": {
                "max_length": _(
                    "Keep the bio to %(limit_value)d characters (it has %(show_value)d)."
                )
            },
        }

    def clean_display_name(self) -> str:
        return " ".join(self.cleaned_data["display_name"].split())

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if avatar and getattr(avatar, "size", 0) > AVATAR_MAX_BYTES:
            raise forms.ValidationError(_("The image is too large: the limit is 2 MB."))
        return avatar


class LoginForm(AllauthLoginForm):
    """allauth's log-in form in the site's words ("Login:" read as a heading)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or email")
        self.fields["remember"].label = _("Remember me")
