from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts import avatars, names
from accounts.models import User


def _avatar_help() -> str:
    """The avatar's help text, filled with the configured limit when it is shown."""
    message = _(
        "A PNG, JPEG, GIF or WebP image of at most 2 MB and %(max)d pixels a side. "
        "It is cropped to a square."
    )
    return lazy(lambda: str(message) % {"max": settings.AVATAR_MAX_SIDE}, str)()


class AvatarField(forms.ImageField):
    """An image upload checked from its header before a pixel is decoded, then decoded
    once to prove it is whole. ``update_profile`` stores the re-encoded square."""

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        avatars.reencode_avatar(upload)
        upload.seek(0)
        return upload


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "bio", "avatar"]
        field_classes = {"avatar": AvatarField}
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "display_name": _("Shown instead of your username. Up to 60 characters."),
            "bio": _("A few words about you. Up to 500 characters."),
            "avatar": _avatar_help(),
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
        name = names.validate_display_name(self.cleaned_data["display_name"], user=self.instance)
        limit = User._meta.get_field("display_name").max_length
        if len(name) > limit:  # normalising can lengthen a few characters
            raise forms.ValidationError(
                self.fields["display_name"].error_messages["max_length"]
                % {"limit_value": limit, "show_value": len(name)}
            )
        return name


class LoginForm(AllauthLoginForm):
    """allauth's log-in form in the site's words ("Login:" read as a heading)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or email")
        self.fields["remember"].label = _("Remember me")
