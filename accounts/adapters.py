import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.encoding import force_str

from accounts import doors, names, services


@dataclass(frozen=True)
class SiteName:
    """The site as allauth's mails name it (``current_site.name`` and ``.domain``)."""

    name: str
    domain: str


def current_site() -> SiteName:
    """SITE_NAME and the host of SITE_URL, never the Host header a request came with.

    Without django.contrib.sites allauth takes both from the request, so mails said
    "Hello from 127.0.0.1:8010" and each host name kept its own log-in lock-out.
    """
    return SiteName(
        name=settings.WAGTAIL_SITE_NAME,
        domain=urlsplit(settings.WAGTAILADMIN_BASE_URL).netloc,
    )


def signup_ip(request) -> str | None:
    """The client's address as allauth's rate limits see it (ALLAUTH_TRUSTED_PROXY_COUNT
    addresses from the right of X-Forwarded-For behind proxies), or None when unknown.

    Kept on the new account: reputation flags accounts made from one address that vote
    for each other.
    """
    if request is None:
        return None
    try:
        return get_account_adapter(request).get_client_ip(request)
    except PermissionDenied:  # allauth's answer when the request names no address
        return None


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        if user.pk is None:
            user.signup_ip = signup_ip(request)
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            services.assign_default_role(user)
        return user

    def clean_username(self, username, shallow=False):
        # Invisible characters go first, so allauth's checks see the name as shown;
        # a shallow check (choosing a name for a social sign-up) makes no query.
        username = names.validate_username(username, check_others=not shallow)
        return super().clean_username(username, shallow=shallow)

    def generate_unique_username(self, txts, regex=None):
        # allauth checks the names it makes up (a social sign-up without a username)
        # shallowly: the one it picks must also pass the look-alike rules, or the member
        # gets a plain one ("member", "member1"...) to change on their profile.
        for texts in (txts, ["member"]):
            username = super().generate_unique_username(texts, regex)
            try:
                return names.validate_username(username, check_others=True)
            except ValidationError:
                continue
        return f"member{secrets.randbelow(10**8)}"

    def send_mail(self, template_prefix, email, context):
        super().send_mail(template_prefix, email, {"current_site": current_site(), **context})

    def format_email_subject(self, subject):
        prefix = account_settings.EMAIL_SUBJECT_PREFIX
        if prefix is None:
            prefix = f"[{current_site().name}] "
        return prefix + force_str(subject)

    def get_email_confirmation_url(self, request, emailconfirmation):
        # The link carries the sign-up's next: the browser that signed up is logged in and
        # sent there anyway (allauth resumes its log-in), another one is sent there too.
        url = super().get_email_confirmation_url(request, emailconfirmation)
        target = doors.safe_next(request) if request is not None else ""
        return f"{url}?{urlencode({'next': target})}" if target else url

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth keys the lock-out by the site's domain and the login; its default domain
        # is the request's host, so each host name the site answers to had its own count.
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"{current_site().domain}:{login}"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request, sociallogin, form=None):
        if sociallogin.user.pk is None:
            sociallogin.user.signup_ip = signup_ip(request)
        user = super().save_user(request, sociallogin, form=form)
        services.assign_default_role(user)
        return user
