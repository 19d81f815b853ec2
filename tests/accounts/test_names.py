"""Names that impersonate: refused at sign-up and on the profile page; invisible ones too."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.names import clean_visible_text, has_visible_text, skeleton
from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-passphrase-42"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
ZWSP = "\u200b"  # ZERO WIDTH SPACE
CYRILLIC_A = "\u0430"

STAFF_NAME_REFUSED = (
    "This name is too close to “{name}”, a staff member's name. Please choose another."
)
MEMBER_NAME_REFUSED = (
    "This name is taken or too close to another member's username. Please choose another."
)
PROTECTED_WORD_REFUSED = (
    "Names may not contain “{word}”: it could be taken for the company or its staff. "
    "Please choose another."
)
NOTHING_VISIBLE = "Please choose a name with letters or digits in it."


@pytest.fixture
def anna(db):
    """A brand representative, the one a newcomer might pretend to be."""
    return UserFactory(
        username="anna_rep", display_name="Anna (Brand team)", role=Role.BRAND_REPRESENTATIVE
    )


@pytest.fixture
def maria(db):
    return UserFactory(username="maria_k", display_name="Maria Kowalski")


def _sign_up(client, username: str):
    return client.post(
        reverse("account_signup"),
        {
            "username": username,
            "email": "newcomer@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def _signup_errors(response) -> list[str]:
    assert response.status_code == 200
    return response.context["form"].errors["username"]


def _edit(client_for, user: User, display_name: str, bio: str = ""):
    url = reverse("accounts:edit_profile", kwargs={"username": user.username})
    return client_for(user).post(url, {"display_name": display_name, "bio": bio})


def _edit_errors(response) -> list[str]:
    assert response.status_code == 200
    return response.context["form"].errors["display_name"]


# --- the text functions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "look_alike",
    [
        "ANNA_REP",
        f"{CYRILLIC_A}nna_rep",
        "anna.rep",
        "Anna Rep",
        "\u0391nna_rep",  # GREEK CAPITAL LETTER ALPHA
        f"an{ZWSP}na_rep",
        "ánna_rép",
    ],
)
def test_skeleton_of_a_look_alike_equals_the_skeleton_of_the_name(look_alike):
    assert skeleton(look_alike) == skeleton("anna_rep")


@pytest.mark.parametrize(
    ("look_alike", "name"),
    [("adm1n", "admin"), ("ADMlN", "admin"), ("m0derator", "moderator"), ("5upport", "support")],
)
def test_skeleton_maps_digits_and_letters_that_look_alike(look_alike, name):
    assert skeleton(look_alike) == skeleton(name)


@pytest.mark.parametrize(("look_alike", "name"), [("rnaria", "maria"), ("vvalter", "walter")])
def test_skeleton_reads_letter_pairs_as_the_letter_they_imitate(look_alike, name):
    assert skeleton(look_alike) == skeleton(name)


def test_skeleton_tells_different_names_apart():
    assert skeleton("anna_rep") != skeleton("hanna_rep")


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", RLO, "\u2066", "\u2069", "\u200e", "\u061c"]
)
def test_clean_visible_text_strips_bidi_controls(control):
    assert clean_visible_text(f"Ana{control} Lopez") == "Ana Lopez"


@pytest.mark.parametrize("invisible", [ZWSP, "\u200c", "\u2060", "\ufeff", "\u00ad"])
def test_clean_visible_text_strips_zero_width_characters_and_soft_hyphens(invisible):
    assert clean_visible_text(f"Lo{invisible}pez") == "Lopez"


def test_clean_visible_text_collapses_whitespace_and_composes_accents():
    assert clean_visible_text("  Mari\u0301a \u3000 Lopez\n") == "María Lopez"


def test_clean_visible_text_keeps_the_joiner_inside_an_emoji_sequence():
    mechanic = "\U0001f469\u200d\U0001f527"  # woman + joiner + wrench: one picture

    assert clean_visible_text(f"{mechanic} fixer") == f"{mechanic} fixer"


@pytest.mark.parametrize(
    "text",
    [
        " ",
        ZWSP * 3,
        "\u3164\u3164",  # HANGUL FILLER
        "\u115f\u1160",  # HANGUL CHOSEONG and JUNGSEONG FILLER
        "\u2800\u2800",  # BRAILLE PATTERN BLANK
        "\u0301\u0308",  # combining marks with nothing to sit on
        f"{RLO}\u00a0{ZWSP}",
    ],
)
def test_has_visible_text_is_false_for_text_that_shows_nothing(text):
    assert not has_visible_text(text)


@pytest.mark.parametrize("text", ["a", "?", "7", "\u2603", f"{ZWSP}x{ZWSP}"])
def test_has_visible_text_is_true_for_text_with_a_visible_character(text):
    assert has_visible_text(text)


def test_username_skeleton_is_stored_on_save_and_on_bulk_create():
    saved = UserFactory(username="Anna_Rep")
    User.objects.bulk_create([User(username="M0derat0r", email="m@example.com")])

    assert User.objects.get(pk=saved.pk).username_skeleton == skeleton("anna_rep")
    assert User.objects.get(username="M0derat0r").username_skeleton == skeleton("moderator")


# --- sign-up ----------------------------------------------------------------------------------


def test_sign_up_refuses_a_staff_username_in_other_case(client, anna):
    response = _sign_up(client, "ANNA_Rep")

    assert _signup_errors(response) == [STAFF_NAME_REFUSED.format(name="anna_rep")]
    assert not User.objects.filter(email="newcomer@example.com").exists()


def test_sign_up_refuses_a_cyrillic_look_alike_of_a_staff_username(client, anna):
    response = _sign_up(client, f"{CYRILLIC_A}nna_rep")

    assert _signup_errors(response) == [STAFF_NAME_REFUSED.format(name="anna_rep")]
    assert not User.objects.filter(email="newcomer@example.com").exists()


def test_sign_up_refuses_a_look_alike_of_another_members_username(client, maria):
    response = _sign_up(client, f"m{CYRILLIC_A}ria_k")

    assert _signup_errors(response) == [MEMBER_NAME_REFUSED]


def test_sign_up_refuses_support_team(client):
    response = _sign_up(client, "Support_Team")

    assert _signup_errors(response) == [PROTECTED_WORD_REFUSED.format(word="support")]


def test_sign_up_refuses_a_staff_role_name_in_another_language_of_the_site(client):
    response = _sign_up(client, "Markenvertreter_Tom")

    assert _signup_errors(response) == [PROTECTED_WORD_REFUSED.format(word="Markenvertreter")]


def test_sign_up_refuses_a_brand_word_from_settings(client, settings):
    settings.PROTECTED_NAME_WORDS = ["Nimbus"]

    response = _sign_up(client, "n1mbus_helper")

    assert _signup_errors(response) == [PROTECTED_WORD_REFUSED.format(word="Nimbus")]


def test_sign_up_refuses_the_site_name(client, settings):
    settings.WAGTAIL_SITE_NAME = "Nimbus Community"

    response = _sign_up(client, "NimbusCommunityTeam")

    assert _signup_errors(response) == [PROTECTED_WORD_REFUSED.format(word="Nimbus Community")]


def test_sign_up_strips_a_right_to_left_override_from_the_username(client):
    response = _sign_up(client, f"night{RLO}owl")

    assert response.status_code == 302
    assert User.objects.get(email="newcomer@example.com").username == "nightowl"


def test_sign_up_refuses_a_zero_width_only_username(client):
    response = _sign_up(client, ZWSP * 4)

    assert _signup_errors(response) == [NOTHING_VISIBLE]
    assert not User.objects.filter(email="newcomer@example.com").exists()


# --- profile edit -----------------------------------------------------------------------------


def test_profile_edit_refuses_a_staff_username_in_other_case(client_for, customer, anna):
    response = _edit(client_for, customer, "ANNA_REP")

    customer.refresh_from_db()
    assert _edit_errors(response) == [STAFF_NAME_REFUSED.format(name="anna_rep")]
    assert customer.display_name == ""


def test_profile_edit_refuses_a_cyrillic_look_alike_of_a_staff_display_name(
    client_for, customer, anna
):
    response = _edit(client_for, customer, f"{CYRILLIC_A}nna (Brand team)")

    assert _edit_errors(response) == [STAFF_NAME_REFUSED.format(name="Anna (Brand team)")]


def test_display_name_may_be_the_members_own_username_but_not_another_members(
    client_for, customer, maria
):
    refused = _edit(client_for, customer, "Maria K")
    accepted = _edit(client_for, maria, "Maria K")

    customer.refresh_from_db()
    maria.refresh_from_db()
    assert _edit_errors(refused) == [MEMBER_NAME_REFUSED]
    assert customer.display_name == ""
    assert accepted.status_code == 302
    assert maria.display_name == "Maria K"


def test_profile_edit_refuses_support_team(client_for, customer):
    response = _edit(client_for, customer, "Support Team")

    assert _edit_errors(response) == [PROTECTED_WORD_REFUSED.format(word="support")]


def test_profile_edit_refuses_a_brand_word_from_settings(client_for, customer, settings):
    settings.PROTECTED_NAME_WORDS = ["Nimbus"]

    response = _edit(client_for, customer, "Nimbus Helper")

    assert _edit_errors(response) == [PROTECTED_WORD_REFUSED.format(word="Nimbus")]


def test_protected_word_is_refused_only_where_a_word_of_the_name_begins_or_ends(
    client_for, customer, other_customer
):
    refused = _edit(client_for, customer, "Adminton")
    accepted = _edit(client_for, other_customer, "Badminton Ben")

    other_customer.refresh_from_db()
    assert _edit_errors(refused) == [PROTECTED_WORD_REFUSED.format(word="admin")]
    assert accepted.status_code == 302
    assert other_customer.display_name == "Badminton Ben"


def test_profile_edit_strips_a_right_to_left_override(client_for, customer):
    response = _edit(client_for, customer, f"Ana{RLO} Lopez")

    customer.refresh_from_db()
    assert response.status_code == 302
    assert customer.display_name == "Ana Lopez"


def test_profile_edit_refuses_a_zero_width_only_display_name(client_for, customer):
    response = _edit(client_for, customer, ZWSP * 3)

    customer.refresh_from_db()
    assert _edit_errors(response) == [NOTHING_VISIBLE]
    assert customer.display_name == ""


def test_only_the_staff_member_may_use_their_own_name(client_for, customer, anna):
    refused = _edit(client_for, customer, "Anna (Brand team)")
    kept = _edit(client_for, anna, "Anna (Brand team)", bio="Product team, Berlin.")

    anna.refresh_from_db()
    assert _edit_errors(refused) == [STAFF_NAME_REFUSED.format(name="Anna (Brand team)")]
    assert kept.status_code == 302
    assert anna.display_name == "Anna (Brand team)"
    assert anna.bio == "Product team, Berlin."


def test_a_member_keeps_an_unchanged_name_that_a_later_staff_member_shares(
    client_for, customer, other_customer
):
    User.objects.filter(pk=customer.pk).update(display_name="Chris Moreno")
    customer.refresh_from_db()
    UserFactory(username="chris_m", display_name="Chris Moreno", role=Role.SUPPORT_AGENT)

    kept = _edit(client_for, customer, "Chris Moreno", bio="Still me.")
    refused = _edit(client_for, other_customer, "Chris Moreno")

    customer.refresh_from_db()
    assert kept.status_code == 302
    assert customer.bio == "Still me."
    assert _edit_errors(refused) == [STAFF_NAME_REFUSED.format(name="Chris Moreno")]


def test_profile_edit_refuses_a_display_name_that_normalising_makes_too_long(client_for, customer):
    devanagari_qa = "\u0958"  # composed form is two characters: KA and NUKTA

    response = _edit(client_for, customer, devanagari_qa * 40)

    assert _edit_errors(response) == ["Keep the display name to 60 characters (it has 80)."]


def test_a_username_made_up_for_a_social_sign_up_never_looks_like_a_staff_member(anna):
    from allauth.account.adapter import get_adapter

    # Google gives no username: allauth makes one from the name it gives ("anna.rep" ->
    # "annarep"), which only the full check sees is "anna_rep" without the underscore.
    username = get_adapter().generate_unique_username(["anna.rep"])

    assert skeleton(username) != skeleton(anna.username)
    assert username.startswith("member")


def test_a_username_made_up_for_a_social_sign_up_keeps_an_ordinary_name(anna):
    from allauth.account.adapter import get_adapter

    assert get_adapter().generate_unique_username(["Bartholomew"]) == "bartholomew"
