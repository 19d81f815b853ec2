"""Account changes. Each function is the only code path for its change."""

from django.db import transaction

from accounts import avatars
from accounts.models import User
from accounts.roles import Role, role_group


def assign_default_role(user: User) -> None:
    """Put a newly signed-up *user* in the customers group. Idempotent."""
    user.groups.add(role_group(Role.CUSTOMER))
    user.forget_roles()


@transaction.atomic
def set_roles(user: User, *, roles: list[Role]) -> None:
    """Replace *user*'s community roles with *roles*; other groups are kept."""
    role_values = {role.value for role in Role}
    keep = [group for group in user.groups.all() if group.name not in role_values]
    wanted = [role_group(role) for role in roles]
    user.groups.set(keep + wanted)
    user.forget_roles()


@transaction.atomic
def update_profile(
    user: User, *, display_name: str, bio: str, avatar=None, clear_avatar: bool = False
) -> User:
    """Save the public profile fields of *user*.

    A new *avatar* is stored re-encoded (``accounts.avatars``: a small square without
    metadata; ``ValidationError`` if it is no usable image). The file it replaces, or
    that *clear_avatar* removes, is deleted from storage once the change is committed.
    """
    replaced = user.avatar.name or ""
    user.display_name = display_name
    user.bio = bio
    fields = ["display_name", "bio"]
    if clear_avatar:
        user.avatar = None
        fields.append("avatar")
    elif avatar is not None:
        image = avatars.reencode_avatar(avatar)
        user.avatar.save(image.name, image, save=False)
        fields.append("avatar")
    user.save(update_fields=fields)
    if replaced and replaced != (user.avatar.name or ""):
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(replaced), robust=True)
    return user
