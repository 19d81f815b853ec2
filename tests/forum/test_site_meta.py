"""What browsers and search engines read besides the page: headers, robots.txt, sitemaps,
the favicon, canonical links, meta descriptions and a thread's QAPage structured data."""

import json
import re

import pytest
from django.urls import reverse

from forum import services
from tests.factories import make_answer

pytestmark = pytest.mark.django_db


def _structured_data(html: str) -> dict | None:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else None


def _meta(html: str, name: str) -> str | None:
    found = re.search(rf'<meta name="{name}" content="([^"]*)">', html)
    return found.group(1) if found else None


def _canonical(html: str) -> str | None:
    found = re.search(r'<link rel="canonical" href="([^"]*)">', html)
    return found.group(1) if found else None


# --- headers ----------------------------------------------------------------------------


def test_site_pages_send_a_content_security_policy_without_inline_script(client, thread):
    for url in ("/", "/c/", thread.get_absolute_url(), reverse("account_login")):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", url
        assert "unsafe-inline" not in policy, url
        assert directives["img-src"].split() == ["'self'", "data:"], url
        assert directives["frame-ancestors"] == "'none'", url


def test_site_pages_refuse_browser_features_they_never_use(client):
    policy = client.get("/")["Permissions-Policy"]

    assert "camera=()" in policy
    assert "geolocation=()" in policy
    assert "microphone=()" in policy


def test_htmx_is_configured_to_run_under_the_policy(client):
    html = client.get("/").content.decode()

    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)[1])
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    assert "<script>" not in html
    assert " style=" not in html


# --- robots.txt, sitemaps, favicon -------------------------------------------------------


def test_robots_txt_keeps_crawlers_out_of_forms_and_accounts_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    for disallowed in ("/admin/", "/accounts/", "/ask/", "/preview/", "/de/accounts/", "/de/ask/"):
        assert f"Disallow: {disallowed}" in lines
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in lines
    assert "Disallow: /" not in lines


def test_sitemap_index_lists_threads_and_products_of_visible_content_only(client, thread, customer):
    hidden = services.ask_question(
        author=customer,
        category=thread.category,
        title="A thread a moderator hid from everyone",
        body="Nothing to see here, this was spam of some kind.",
        tags=(),
    )
    hidden.state = "hidden"
    hidden.save(update_fields=["state"])

    index = client.get("/sitemap.xml").content.decode()
    sections = re.findall(r"<loc>https?://[^/]+(/sitemap-\w+\.xml)</loc>", index)
    assert sorted(sections) == ["/sitemap-products.xml", "/sitemap-threads.xml"]
    threads = client.get("/sitemap-threads.xml").content.decode()
    products = client.get("/sitemap-products.xml").content.decode()
    assert thread.get_absolute_url() in threads
    assert hidden.get_absolute_url() not in threads
    assert thread.category.url in products


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


# --- canonical links and descriptions ----------------------------------------------------


def test_thread_page_names_its_canonical_url_and_describes_the_question(client, thread):
    html = client.get(thread.get_absolute_url()).content.decode()

    assert _canonical(html) == f"http://127.0.0.1:8000{thread.get_absolute_url()}"
    assert _meta(html, "description").startswith("Since the last firmware update")


def test_language_versions_are_their_own_canonical_pages(client, thread):
    path = thread.get_absolute_url()

    html = client.get(f"/de{path}").content.decode()

    assert _canonical(html) == f"http://127.0.0.1:8000/de{path}"


def test_product_page_has_a_description_of_its_own(client, category):
    html = client.get(category.url).content.decode()

    assert _meta(html, "description").startswith(f"Questions and answers about {category.title}")


# --- QAPage structured data ---------------------------------------------------------------


def test_thread_page_carries_qapage_data_with_the_accepted_answer(client, thread, customer):
    answer = make_answer(thread, body="Hold the reset button for ten seconds, then pair it.")
    other = make_answer(thread, body="Maybe try turning it off and on again, it helped me.")
    services.accept_answer(answer, actor=customer)

    data = _structured_data(client.get(thread.get_absolute_url()).content.decode())

    assert data["@type"] == "QAPage"
    question = data["mainEntity"]
    assert question["name"] == thread.title
    assert question["answerCount"] == 2
    assert question["acceptedAnswer"]["text"].startswith("Hold the reset button")
    assert question["acceptedAnswer"]["url"].endswith(f"#post-{answer.pk}")
    assert [a["url"] for a in question["suggestedAnswer"]] == [
        f"http://127.0.0.1:8000{thread.get_absolute_url()}#post-{other.pk}"
    ]


def test_structured_data_cannot_be_broken_out_of_by_a_title(client, customer, category):
    thread = services.ask_question(
        author=customer,
        category=category,
        title="</script><script>alert(1)</script> after update",
        body="The display shows E42 at night since the update.",
        tags=(),
    )

    html = client.get(thread.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in html
    assert _structured_data(html)["mainEntity"]["name"] == thread.title


def test_structured_data_leaves_out_hidden_answers(client, thread, customer, brand_rep):
    answer = make_answer(thread, body="Buy cheap watches at example dot com, best prices.")
    answer.state = "hidden"
    answer.save(update_fields=["state"])

    data = _structured_data(client.get(thread.get_absolute_url()).content.decode())
    moderator_data = _structured_data(
        _login(client, brand_rep).get(thread.get_absolute_url()).content.decode()
    )

    assert "suggestedAnswer" not in data["mainEntity"]
    assert data["mainEntity"]["answerCount"] == 0
    assert "suggestedAnswer" not in moderator_data["mainEntity"]


def _login(client, user):
    client.force_login(user)
    return client
