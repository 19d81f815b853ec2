"""The site speaks the visitor's language, which is part of the URL (English unprefixed)."""

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings

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


def _language_links(document: ET.Element) -> dict[str, str]:
    (nav,) = [el for el in document.iter("nav") if "language-nav" in el.get("class", "")]
    return {link.get("hreflang"): link.get("href") for link in nav.iter("a")}


@pytest.fixture
def member_client(client, customer):
    client.force_login(customer)
    return client


def test_german_ask_page_shows_german_navigation(member_client):
    document = _document(member_client.get("/de/ask/"))

    assert document.get("lang") == "de"
    nav = _nav_items(document)
    for english in ("Ask a question", "Products", "My profile", "Log out"):
        assert NAV["de"][english] in nav, f"{english!r} untranslated in {nav}"
    assert "Log out" not in nav


def test_german_ask_page_shows_german_form_labels(member_client):
    document = _document(member_client.get("/de/ask/"))

    labels = _labels(document)
    for field, german in ASK_FORM_DE.items():
        assert labels.get(field) == german, f"label of {field}: {labels.get(field)!r}"
    (heading,) = document.iter("h1")
    assert _text(heading) == NAV["de"]["Ask a question"]


def test_links_on_a_german_page_stay_german(member_client, thread):
    document = _document(member_client.get("/de/"))

    hrefs = {_text(a): a.get("href") for a in document.iter("a")}
    assert hrefs[NAV["de"]["Ask a question"]] == "/de/ask/"
    assert hrefs[NAV["de"]["Products"]] == "/de/c/"
    assert f"/de/t/{thread.pk}/{thread.slug}/" in {a.get("href") for a in document.iter("a")}


def test_the_switcher_links_to_this_page_in_each_language(client, thread):
    url = thread.get_absolute_url()

    links = _language_links(_document(client.get(url)))

    assert links["en"] == url
    for code in ("de", "it", "pl", "ru"):
        assert links[code] == f"/{code}{url}"


@pytest.mark.parametrize("language", ["pl", "it", "ru"])
def test_navigation_is_translated_for_a_visitor(client, language):
    document = _document(client.get(f"/{language}/"))

    assert document.get("lang") == language
    nav = _nav_items(document)
    for english in ("Ask a question", "Products", "Log in", "Sign up"):
        assert NAV[language][english] in nav, f"{english!r} untranslated in {nav}"


@pytest.mark.parametrize("language", ["pl", "it", "ru"])
def test_navigation_is_translated_for_a_member(member_client, language):
    nav = _nav_items(_document(member_client.get(f"/{language}/")))

    for english in ("Ask a question", "My profile", "Log out"):
        assert NAV[language][english] in nav, f"{english!r} untranslated in {nav}"


def test_unprefixed_pages_are_english_whatever_the_browser_asks(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="pl,en;q=0.5")
    document = _document(response)

    assert document.get("lang") == "en"
    assert "Ask a question" in _nav_items(document)
    assert "Accept-Language" not in response.get("Vary", "")


def test_a_language_cookie_does_not_change_an_unprefixed_page(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    document = _document(client.get("/"))

    assert document.get("lang") == "en"


def test_choosing_a_language_by_form_goes_to_the_page_in_that_language(member_client):
    response = member_client.post("/i18n/setlang/", {"language": "de", "next": "/ask/"})

    assert response.status_code == 302
    assert response["Location"] == "/de/ask/"


def test_unknown_language_prefix_is_not_found(client):
    assert client.get("/xx/").status_code == 404
