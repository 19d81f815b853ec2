"""Avatar images: checked from their header before any pixel is decoded, then re-encoded.

Every avatar is stored as one small square WebP made from the decoded pixels, so no
metadata of the upload (EXIF, GPS position, camera, comments) survives, and a visitor's
browser never decodes more than ``AVATAR_SIZE`` x ``AVATAR_SIZE`` pixels for it.
"""

import re
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

AVATAR_SIZE = 256
AVATAR_MAX_BYTES = 2 * 1024 * 1024
# The decoders an upload may reach: the formats the avatar field accepts, nothing else.
FORMATS = ("PNG", "JPEG", "GIF", "WEBP")


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("This file is not an image we can read. Please upload a PNG, JPEG, GIF or WebP image."),
        code="invalid_image",
    )


def _too_many_pixels(size: tuple[int, int] | None = None) -> ValidationError:
    limit = {"max": settings.AVATAR_MAX_SIDE}
    if size is None:
        message = _("The image is too large: at most %(max)d pixels a side, please.") % limit
    else:
        message = _(
            "The image is too large: at most %(max)d pixels a side, please "
            "(it is %(width)d by %(height)d)."
        ) % {**limit, "width": size[0], "height": size[1]}
    return ValidationError(message, code="too_many_pixels")


def open_avatar(file) -> Image.Image:
    """Open the uploaded *file* without decoding it and check what its header says.

    Raises ``ValidationError`` for a file that is too large, is no image of an accepted
    format, is larger than ``AVATAR_MAX_SIDE`` on a side or is animated.
    """
    if getattr(file, "size", 0) > AVATAR_MAX_BYTES:
        raise ValidationError(_("The image is too large: the limit is 2 MB."), code="too_large")
    file.seek(0)
    try:
        image = Image.open(file, formats=FORMATS)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise _not_an_image() from exc
    limit = settings.AVATAR_MAX_SIDE
    if image.width > limit or image.height > limit:
        raise _too_many_pixels(image.size)
    try:
        animated = getattr(image, "is_animated", False)
    except (OSError, ValueError, SyntaxError) as exc:
        raise _not_an_image() from exc
    if animated:
        raise ValidationError(
            _("Animated images cannot be avatars. Please upload a still image."),
            code="animated",
        )
    return image


def reencode_avatar(file) -> ContentFile:
    """The uploaded *file* as a square WebP of at most ``AVATAR_SIZE`` pixels a side,
    cropped from its centre and turned upright, without any metadata.

    Raises ``ValidationError`` as ``open_avatar`` does, or when the pixels cannot be
    decoded.
    """
    image = open_avatar(file)
    try:
        if image.format == "JPEG":
            # Decode a large JPEG at a reduced scale that still covers the avatar's size.
            image.draft("RGB", (AVATAR_SIZE, AVATAR_SIZE))
        image = ImageOps.exif_transpose(image)
        has_alpha = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise _not_an_image() from exc
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side))
    if side > AVATAR_SIZE:
        image = image.resize((AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    output = BytesIO()
    image.save(output, "WEBP", quality=85, method=4)
    stem = re.sub(r"[^\w-]", "", Path(getattr(file, "name", "") or "").stem)[:40]
    return ContentFile(output.getvalue(), name=f"{stem or 'avatar'}.webp")
