"""Avatars: bounded pixels, re-encoded without metadata, the replaced file deleted."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from accounts.models import User

pytestmark = pytest.mark.django_db


def _upload(content: bytes, name: str = "me.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _png(size=(64, 64), mode="RGB", colour="teal") -> bytes:
    output = io.BytesIO()
    Image.new(mode, size, colour).save(output, "PNG")
    return output.getvalue()


def _photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone maker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    output = io.BytesIO()
    Image.new("RGB", (1200, 800), "olive").save(output, "JPEG", exif=exif)
    return output.getvalue()


def _post_avatar(client_for, member: User, upload, **extra):
    url = reverse("accounts:edit_profile", kwargs={"username": member.username})
    data = {"display_name": "", "bio": "", "avatar": upload, **extra}
    return client_for(member).post(url, data)


def _avatar_errors(response) -> list[str]:
    assert response.status_code == 200
    return response.context["form"].errors["avatar"]


def _stored_image(member: User) -> Image.Image:
    member.refresh_from_db()
    with member.avatar.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
    image.load()
    return image


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_avatar_of_12000_by_12000_pixels_is_refused_with_a_clear_message(client_for, customer):
    bomb = _png(size=(12000, 12000), mode="1", colour=0)
    assert len(bomb) < 200 * 1024  # small on the wire, 144 megapixels once decoded

    response = _post_avatar(client_for, customer, _upload(bomb))

    customer.refresh_from_db()
    assert _avatar_errors(response) == [
        "The image is too large: at most 4096 pixels a side, please (it is 12000 by 12000)."
    ]
    assert not customer.avatar


def test_avatar_larger_than_the_configured_side_is_refused(client_for, customer, settings):
    settings.AVATAR_MAX_SIDE = 100

    response = _post_avatar(client_for, customer, _upload(_png(size=(101, 50))))

    assert _avatar_errors(response) == [
        "The image is too large: at most 100 pixels a side, please (it is 101 by 50)."
    ]


def test_photo_with_gps_is_stored_without_exif_as_a_small_square(client_for, customer):
    upload = _upload(_photo_with_gps(), name="holiday.jpg", content_type="image/jpeg")

    response = _post_avatar(client_for, customer, upload)

    assert response.status_code == 302
    stored = _stored_image(customer)
    assert customer.avatar.name == "avatars/holiday.webp"
    assert stored.format == "WEBP"
    assert stored.size == (256, 256)
    assert not stored.getexif()
    assert "exif" not in stored.info


def test_photo_is_turned_upright_by_its_orientation_before_the_tag_is_dropped(client_for, customer):
    # Stored on its side: red on top, blue below. Orientation 6 says "turn it a quarter
    # clockwise to show it", which brings red to the right and blue to the left.
    photo = Image.new("RGB", (400, 200), "blue")
    photo.paste("red", (0, 0, 400, 100))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    output = io.BytesIO()
    photo.save(output, "JPEG", exif=exif)
    upload = _upload(output.getvalue(), name="sideways.jpg", content_type="image/jpeg")

    _post_avatar(client_for, customer, upload)

    stored = _stored_image(customer).convert("RGB")
    right = stored.getpixel((stored.width - 10, stored.height // 2))
    left = stored.getpixel((10, stored.height // 2))
    assert right[0] > 200  # red
    assert left[2] > 200  # blue
    assert right[2] < 60
    assert left[0] < 60


def test_small_avatar_is_not_enlarged(client_for, customer):
    _post_avatar(client_for, customer, _upload(_png(size=(40, 60))))

    assert _stored_image(customer).size == (40, 40)


def test_replacing_an_avatar_deletes_the_old_file(
    client_for, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post_avatar(client_for, customer, _upload(_png(colour="teal"), name="first.png"))
    customer.refresh_from_db()
    first = customer.avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        _post_avatar(client_for, customer, _upload(_png(colour="navy"), name="second.png"))

    customer.refresh_from_db()
    assert customer.avatar.name == "avatars/second.webp"
    assert default_storage.exists(customer.avatar.name)
    assert not default_storage.exists(first)


def test_removing_an_avatar_deletes_its_file(
    client_for, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post_avatar(client_for, customer, _upload(_png()))
    customer.refresh_from_db()
    stored = customer.avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        _post_avatar(client_for, customer, "", **{"avatar-clear": "on"})

    customer.refresh_from_db()
    assert not customer.avatar
    assert not default_storage.exists(stored)


def test_non_image_with_png_extension_is_refused(client_for, customer):
    response = _post_avatar(client_for, customer, _upload(b"#!/bin/sh\necho hello\n"))

    customer.refresh_from_db()
    assert _avatar_errors(response) == [
        "This file is not an image we can read. Please upload a PNG, JPEG, GIF or WebP image."
    ]
    assert not customer.avatar


def test_animated_gif_is_refused(client_for, customer):
    frames = [Image.new("RGB", (32, 32), colour) for colour in ("red", "blue")]
    output = io.BytesIO()
    frames[0].save(output, "GIF", save_all=True, append_images=frames[1:], duration=100)

    response = _post_avatar(
        client_for, customer, _upload(output.getvalue(), name="wave.gif", content_type="image/gif")
    )

    assert _avatar_errors(response) == [
        "Animated images cannot be avatars. Please upload a still image."
    ]
