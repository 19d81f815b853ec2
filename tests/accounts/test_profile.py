"""Public profiles at /u/<username>/ and their edit page."""

import io
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from accounts import services as account_services
from accounts.models import User
from forum import services
from tests.factories import UserFactory, make_answer, make_thread

pytestmark = pytest.mark.django_db


def _profile_url(user: User) -> str:
    return reverse("forum:profile", kwargs={"username": user.username})


def _edit_url(user: User) -> str:
    return reverse("accounts:edit_profile", kwargs={"username": user.username})


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def member(customer):
    account_services.update_profile(
        customer, display_name="Ana Lopez", bio="Keeps three thermostats busy."
    )
    User.objects.filter(pk=customer.pk).update(date_joined=datetime(2023, 3, 5, tzinfo=UTC))
    customer.refresh_from_db()
    return customer


# --- profile page -----------------------------------------------------------------------------


def test_profile_shows_display_name_bio_and_member_since(client, member):
    response = client.get(_profile_url(member))

    assert response.status_code == 200
    html = _html(response)
    assert "<h1>Ana Lopez</h1>" in html
    assert f"@{member.username}" in html
    assert "Keeps three thermostats busy." in html
    assert "Member since March 2023" in html


def test_profile_shows_initials_when_there_is_no_avatar(client, member):
    html = _html(client.get(_profile_url(member)))

    assert '<span class="avatar avatar-large avatar-initials" aria-hidden="true">AL</span>' in html
    assert "<img" not in html


def test_profile_falls_back_to_the_username(client):
    member = UserFactory(username="jane_doe")

    html = _html(client.get(_profile_url(member)))

    assert "<h1>jane_doe</h1>" in html
    assert 'aria-hidden="true">JD</span>' in html


def test_profile_counts_and_lists_questions_answers_and_accepted_answers(
    client, member, other_customer, category
):
    asked = make_thread(author=member, category=category, title="Ana asks about E42")
    theirs = make_thread(author=other_customer, category=category, title="Ben asks about Wi-Fi")
    other = make_thread(author=other_customer, category=category, title="Ben asks about heat")
    accepted = make_answer(theirs, author=member)
    make_answer(other, author=member)
    services.accept_answer(accepted, actor=other_customer)

    html = _html(client.get(_profile_url(member)))

    assert "<strong>1</strong> question" in html
    assert "<strong>2</strong> answers" in html
    assert "<strong>1</strong> accepted answer" in html
    assert f'<a href="{asked.get_absolute_url()}">Ana asks about E42</a>' in html
    assert f'<a href="{accepted.get_absolute_url()}">Ben asks about Wi-Fi</a>' in html


def test_profile_leaves_out_deleted_questions_and_answers(client, member, other_customer, category):
    asked = make_thread(author=member, category=category, title="Ana asks about E42")
    theirs = make_thread(author=other_customer, category=category, title="Ben asks about Wi-Fi")
    answer = make_answer(theirs, author=member)
    services.delete_post(asked.posts.get(), actor=member)
    services.delete_post(answer, actor=member)

    html = _html(client.get(_profile_url(member)))

    assert "<strong>0</strong> questions" in html
    assert "<strong>0</strong> answers" in html
    assert "Ana asks about E42" not in html
    assert "No answers yet." in html


def test_profile_shows_the_staff_badge_of_a_brand_rep(client, brand_rep):
    html = _html(client.get(_profile_url(brand_rep)))

    assert (
        f'<h1>{brand_rep.public_name} <span class="badge badge-staff">Brand representative</span>'
        "</h1>"
    ) in html


def test_profile_of_a_customer_has_no_staff_badge(client, member):
    html = _html(client.get(_profile_url(member)))

    assert "badge-staff" not in html


def test_posts_show_the_staff_badge_beside_a_brand_rep_name(client, thread, brand_rep):
    make_answer(thread, author=brand_rep, body="Firmware 2.1 fixes the E42 error.")

    html = _html(client.get(thread.get_absolute_url()))

    assert (
        f'<a href="{_profile_url(brand_rep)}">{brand_rep.public_name}</a> '
        '<span class="badge badge-staff">Brand representative</span>'
    ) in html


def test_posts_show_no_badge_beside_a_customer_name(client, thread, customer):
    html = _html(client.get(thread.get_absolute_url()))

    name = f'<a href="{_profile_url(customer)}">{customer.public_name}</a>'
    beside_name = html.split(name, 1)[1].split("</time>", 1)[0]
    assert "badge-staff" not in beside_name
    assert '<span class="rep"' in beside_name  # their reputation instead


def test_profile_of_unknown_user_is_not_found(client):
    assert client.get("/u/nobody-here/").status_code == 404


def test_profile_of_inactive_user_is_not_found(client):
    gone = UserFactory(is_active=False)

    assert client.get(_profile_url(gone)).status_code == 404


def test_profile_offers_the_edit_link_to_its_owner(client_for, member):
    html = _html(client_for(member).get(_profile_url(member)))

    assert _edit_url(member) in html


def test_profile_hides_the_edit_link_from_others(client_for, member, other_customer):
    html = _html(client_for(other_customer).get(_profile_url(member)))

    assert _edit_url(member) not in html


def _count_queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _add_activity(member, other, category, count: int) -> None:
    for _ in range(count):
        make_thread(author=member, category=category, tags=("wifi", "display"))
        theirs = make_thread(author=other, category=category)
        services.accept_answer(make_answer(theirs, author=member), actor=other)


def test_profile_costs_the_same_queries_for_one_and_four_posts_of_each_kind(
    client, member, other_customer, category
):
    _add_activity(member, other_customer, category, 1)
    small_count = _count_queries(client, _profile_url(member))

    _add_activity(member, other_customer, category, 3)
    large_count = _count_queries(client, _profile_url(member))

    assert large_count == small_count


# --- edit profile -----------------------------------------------------------------------------


def test_edit_profile_page_is_prefilled_for_the_owner(client_for, member):
    response = client_for(member).get(_edit_url(member))

    assert response.status_code == 200
    html = _html(response)
    assert 'value="Ana Lopez"' in html
    assert "Keeps three thermostats busy." in html


def test_edit_profile_saves_and_redirects_to_the_profile(client_for, member):
    response = client_for(member).post(
        _edit_url(member), {"display_name": "  Ana   María Lopez ", "bio": "Now with four."}
    )

    member.refresh_from_db()
    assert response.status_code == 302
    assert response.url == _profile_url(member)
    assert member.display_name == "Ana María Lopez"
    assert member.bio == "Now with four."


def test_edit_profile_with_avatar_shows_the_image_instead_of_initials(client_for, member):
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(image, "PNG")
    upload = SimpleUploadedFile("me.png", image.getvalue(), content_type="image/png")
    client = client_for(member)

    client.post(_edit_url(member), {"display_name": "Ana Lopez", "bio": "", "avatar": upload})

    member.refresh_from_db()
    html = _html(client.get(_profile_url(member)))
    assert member.avatar.name.startswith("avatars/me")
    assert f'<img class="avatar avatar-large" src="{member.avatar.url}"' in html
    assert "avatar-initials" not in html


def test_edit_profile_by_another_member_is_refused_with_the_reason(
    client_for, member, other_customer
):
    response = client_for(other_customer).post(
        _edit_url(member), {"display_name": "Hijacked", "bio": ""}
    )

    member.refresh_from_db()
    assert response.status_code == 403
    assert "You can only edit your own profile." in _html(response)
    assert member.display_name == "Ana Lopez"


def test_edit_profile_page_of_another_member_is_refused(client_for, member, brand_rep):
    response = client_for(brand_rep).get(_edit_url(member))

    assert response.status_code == 403


def test_edit_profile_by_anonymous_redirects_to_login(client, member):
    response = client.post(_edit_url(member), {"display_name": "Hijacked", "bio": ""})

    member.refresh_from_db()
    assert response.status_code == 302
    assert response.url.startswith(f"{reverse('account_login')}?next=")
    assert member.display_name == "Ana Lopez"


def test_edit_profile_with_too_long_display_name_keeps_the_typed_values(client_for, member):
    name = "Ana " + "Maria " * 10 + "Lopez"  # 69 characters

    response = client_for(member).post(
        _edit_url(member), {"display_name": name, "bio": "A brand new bio."}
    )

    member.refresh_from_db()
    assert response.status_code == 200
    html = _html(response)
    assert f"Keep the display name to 60 characters (it has {len(name)})." in html
    assert f'value="{name}"' in html
    assert "A brand new bio." in html
    assert member.display_name == "Ana Lopez"


def test_edit_profile_with_too_long_bio_keeps_the_typed_values(client_for, member):
    bio = "I fix thermostats. " * 30 + "Daily."

    response = client_for(member).post(_edit_url(member), {"display_name": "Ana Maria", "bio": bio})

    member.refresh_from_db()
    assert response.status_code == 200
    html = _html(response)
    assert f"Keep the bio to 500 characters (it has {len(bio)})." in html
    assert bio in html
    assert 'value="Ana Maria"' in html
    assert member.bio == "Keeps three thermostats busy."
