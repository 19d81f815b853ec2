"""The site speaks the visitor's language: chosen with the switcher, remembered in a cookie."""

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.test import Client

try:
    import html5lib
except ImportError:  # bleach vendors html5lib; borrow its parser when it is not installed alone
    from bleach._vendor import html5lib

pytestmark = pytest.mark.django_db

# The translators' words for the navigation (templates/base.html), from locale/<lang>/.
NAV = {
    "de": {
        "Ask a question": "Frage stellen",
        "Products": "Produkte",
        "My profile": "Mein Profil",
        "Log out": "Abmelden",
        "Log in": "Anmelden",
        "Sign up": "Registrieren",
    },
    "it": {
        "Ask a question": "Fai una domanda",
        "Products": "Prodotti",
        "My profile": "Il mio profilo",
        "Log out": "Esci",
        "Log in": "Accedi",
        "Sign up": "Registrati",
    },
    "pl": {
        "Ask a question": "Zadaj pytanie",
        "Products": "Produkty",
        "My profile": "Mój profil",
        "Log out": "Wyloguj się",
        "Log in": "Zaloguj się",
        "Sign up": "Zarejestruj się",
    },
    "ru": {
        "Ask a question": "Задать вопрос",
        "Products": "Продукты",
        "My profile": "Мой профиль",
        "Log out": "Выйти",
        "Log in": "Войти",
        "Sign up": "Регистрация",
    },
}
# The ask form (templates/forum/ask.html, forum/forms.py) in German.
ASK_FORM_DE = {
    "id_category": "Produkt",
    "id_title": "Titel",
    "id_body": "Beschreiben Sie das Problem",
    "id_tags": "Tags",
}


def _document(response) -> ET.Element:
    assert response.status_code == 200, response.status_code
    return html5lib.parse(response.content, treebuilder="etree", namespaceHTMLElements=False)


def _text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _nav_items(document: ET.Element) -> list[str]:
    (nav,) = [el for el in document.iter("nav") if "main-nav" in el.get("class", "")]
    return [_text(item) for item in nav.iter("li")]


def _labels(document: ET.Element) -> dict[str, str]:
    return {label.get("for"): _text(label) for label in document.iter("label")}


def _choose_language(client: Client, language: str, next_url: str = "/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


@pytest.fixture
def member_client(client, customer):
    client.force_login(customer)
    return client


def test_choosing_german_redirects_back_and_sets_the_language_cookie(member_client):
    response = _choose_language(member_client, "de", next_url="/ask/")

    assert response.status_code == 302
    assert response["Location"] == "/ask/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "de"
    assert int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE


def test_ask_page_after_choosing_german_shows_german_navigation(member_client):
    _choose_language(member_client, "de", next_url="/ask/")

    document = _document(member_client.get("/ask/"))

    assert document.get("lang") == "de"
    nav = _nav_items(document)
    for english in ("Ask a question", "Products", "My profile", "Log out"):
        assert NAV["de"][english] in nav, f"{english!r} untranslated in {nav}"
    assert "Log out" not in nav


def test_ask_page_after_choosing_german_shows_german_form_labels(member_client):
    _choose_language(member_client, "de", next_url="/ask/")

    document = _document(member_client.get("/ask/"))

    labels = _labels(document)
    for field, german in ASK_FORM_DE.items():
        assert labels.get(field) == german, f"label of {field}: {labels.get(field)!r}"
    (heading,) = document.iter("h1")
    assert _text(heading) == NAV["de"]["Ask a question"]


def test_language_choice_is_remembered_on_the_next_request(member_client):
    _choose_language(member_client, "de", next_url="/ask/")
    member_client.get("/ask/")

    document = _document(member_client.get("/"))

    assert document.get("lang") == "de"
    assert NAV["de"]["Log out"] in _nav_items(document)
    (selected,) = [opt for opt in document.iter("option") if opt.get("selected") is not None]
    assert selected.get("value") == "de"


def test_language_cookie_alone_chooses_the_language(customer):
    # A fresh client, as after closing the browser: only the cookie carries the choice.
    client = Client()
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    document = _document(client.get("/ask/"))

    assert NAV["de"]["Ask a question"] in _nav_items(document)


@pytest.mark.parametrize("language", ["pl", "it", "ru"])
def test_navigation_is_translated_for_a_visitor(client, language):
    _choose_language(client, language)

    document = _document(client.get("/"))

    assert document.get("lang") == language
    nav = _nav_items(document)
    for english in ("Ask a question", "Products", "Log in", "Sign up"):
        assert NAV[language][english] in nav, f"{english!r} untranslated in {nav}"


@pytest.mark.parametrize("language", ["pl", "it", "ru"])
def test_navigation_is_translated_for_a_member(member_client, language):
    _choose_language(member_client, language)

    nav = _nav_items(_document(member_client.get("/")))

    for english in ("Ask a question", "My profile", "Log out"):
        assert NAV[language][english] in nav, f"{english!r} untranslated in {nav}"


def test_browser_language_is_used_when_nothing_was_chosen(client):
    document = _document(client.get("/", HTTP_ACCEPT_LANGUAGE="pl,en;q=0.5"))

    assert NAV["pl"]["Ask a question"] in _nav_items(document)


def test_unknown_language_choice_keeps_english(client):
    _choose_language(client, "xx")

    document = _document(client.get("/"))

    assert document.get("lang") == "en"
    assert "Ask a question" in _nav_items(document)
