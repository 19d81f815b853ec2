"""Search over HTTP: the search page, its log and result links, the header's box and
type-ahead, similar threads while asking (live and as a step before posting), related
threads on a thread page, and the staff pages in the Wagtail admin."""

import csv
import io
import uuid
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.urls import reverse

from forum.models import Thread
from moderation import services as moderation_services
from search import viewer_bits
from search.models import AskAttempt, SearchLog, Synonym
from tests.factories import make_category

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("search:search")
ASK_URL = reverse("forum:ask")
LOGIN_URL = reverse("account_login")


def _html(response) -> str:
    return response.content.decode()


def _search(client, **params):
    return client.get(SEARCH_URL, params)


def _hit_ids(response) -> list[int]:
    return [hit.pk for hit in response.context["results"].hits]


def _facet_values(response, key: str) -> list[dict]:
    return next(facet["values"] for facet in response.context["facets"] if facet["key"] == key)


def _assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN_URL}?next=")


@pytest.fixture
def doorbells(corpus, second_category):
    """Two doorbell threads in two products, the second one newer."""
    first = corpus.ask("Doorbell chimes twice", "Every time someone rings the doorbell.")
    second = corpus.ask(
        "Doorbell camera reboots", "The doorbell restarts at night.", category=second_category
    )
    return first, second


# --- The search page -------------------------------------------------------------------------


def test_search_page_shows_the_results_with_their_matches_marked(client, doorbells):
    response = _search(client, q="chimes")

    assert response.status_code == 200
    assert _hit_ids(response) == [doorbells[0].pk]
    assert "Doorbell <mark>chimes</mark> twice" in _html(response)
    assert "1 result" in _html(response)


def test_search_page_without_words_searches_nothing(client, doorbells):
    response = _search(client)

    assert response.status_code == 200
    assert "results" not in response.context
    assert not SearchLog.objects.exists()


def test_a_facet_link_narrows_the_results_and_the_chosen_value_widens_them_again(
    client, doorbells, second_category
):
    first, second = doorbells
    everything = _search(client, q="doorbell")
    assert sorted(_hit_ids(everything)) == sorted([first.pk, second.pk])
    link = next(
        value
        for value in _facet_values(everything, "product")
        if value["label"] == second_category.title
    )
    assert not link["selected"]

    narrowed = client.get(SEARCH_URL + link["url"])

    assert _hit_ids(narrowed) == [second.pk]
    assert narrowed.context["results"].total == 1
    chosen = next(value for value in _facet_values(narrowed, "product") if value["selected"])
    assert "product=" not in chosen["url"]
    widened = client.get(SEARCH_URL + chosen["url"])
    assert sorted(_hit_ids(widened)) == sorted([first.pk, second.pk])


def test_a_status_facet_link_narrows_to_solved_threads(client, corpus, doorbells):
    first, _second = doorbells
    corpus.answer(first, "Turn off the second chime.", accept=True)
    page = _search(client, q="doorbell")
    solved = next(value for value in _facet_values(page, "status") if value["label"] == "Solved")

    narrowed = client.get(SEARCH_URL + solved["url"])

    assert _hit_ids(narrowed) == [first.pk]


def test_sort_links_change_the_order_of_the_results(client, corpus):
    best = corpus.ask("Doorbell chimes twice", "Nothing else.")
    newer = corpus.ask("Camera reboots", "Since then the doorbell is silent.")
    page = _search(client, q="doorbell")
    assert _hit_ids(page) == [best.pk, newer.pk]
    newest = next(item for item in page.context["sorts"] if item["label"] == "Newest")

    response = client.get(SEARCH_URL + newest["url"])

    assert _hit_ids(response) == [newer.pk, best.pk]
    assert response.context["sort"] == "newest"
    assert '<strong aria-current="true">Newest</strong>' in _html(response)


def test_a_too_long_search_is_refused_with_a_message_and_the_text_kept(client, doorbells):
    text = " ".join(["doorbell chimes"] * 13)  # 207 characters
    response = _search(client, q=text)

    html = _html(response)
    assert response.status_code == 200
    assert "Please shorten your search to 200 characters." in html
    assert f'value="{text}"' in html
    assert "results" not in response.context
    assert not SearchLog.objects.exists()


def test_bad_filter_values_are_ignored_and_the_search_still_runs(client, doorbells):
    response = _search(
        client,
        q="doorbell",
        product="abc",
        status="bogus",
        staff="maybe",
        language="xx",
        sort="weird",
        page="999",
    )

    assert response.status_code == 200
    assert sorted(_hit_ids(response)) == sorted(thread.pk for thread in doorbells)
    assert response.context["sort"] == "relevance"


@pytest.fixture
def _drop_logs(db):
    """Deletes the search log at the end, so that a row naming a product that does not
    exist fails the test itself, not the database's check when the test is torn down."""
    yield
    SearchLog.objects.all().delete()


@pytest.mark.usefixtures("_drop_logs")
def test_a_search_in_a_product_that_does_not_exist_is_logged_without_one(client, doorbells):
    response = _search(client, q="doorbell", product="99999")

    assert response.status_code == 200
    with transaction.atomic():  # the check a commit makes (deferred foreign keys)
        connection.check_constraints()
    assert SearchLog.objects.get().product_id is None


def test_a_search_that_finds_nothing_offers_to_ask_it_as_a_question(client, doorbells):
    response = _search(client, q="frobnicate widget")

    html = _html(response)
    assert "Ask this as a question" in html
    assert f'href="{ASK_URL}?{urlencode({"title": "frobnicate widget"})}"' in html


def test_the_ask_page_takes_its_title_from_the_query(client_for, customer, category):
    response = client_for(customer).get(ASK_URL, {"title": "frobnicate widget"})

    assert response.status_code == 200
    assert response.context["form"].initial["title"] == "frobnicate widget"
    assert 'value="frobnicate widget"' in _html(response)


# --- The search log and result links ---------------------------------------------------------


def test_a_search_writes_one_log_with_the_normalised_query_and_its_result_count(client, doorbells):
    _search(client, q="  Doorbell   CHIMES? ")

    log = SearchLog.objects.get()
    assert log.normalised == "doorbell chimes"
    assert log.results == 1
    assert log.clicked_at is None


def test_a_search_that_finds_nothing_is_logged_with_no_results(client, doorbells):
    _search(client, q="frobnicate")

    assert list(SearchLog.objects.values_list("normalised", "results")) == [("frobnicate", 0)]


def test_a_later_page_of_a_search_writes_no_log(client, doorbells):
    _search(client, q="doorbell", page="2")

    assert not SearchLog.objects.exists()


def test_opening_a_result_records_the_click_and_goes_to_the_thread(client, doorbells):
    first, _second = doorbells
    page = _search(client, q="chimes")
    log = SearchLog.objects.get()
    link = reverse("search:open", args=[log.pk, first.pk])
    assert f'href="{link}"' in _html(page)

    response = client.get(link)

    log.refresh_from_db()
    assert response.status_code == 302
    assert response.url == first.get_absolute_url()
    assert log.clicked_at is not None


def test_opening_a_hidden_thread_from_a_result_is_not_found(client, corpus, doorbells, brand_rep):
    first, _second = doorbells
    _search(client, q="chimes")
    log = SearchLog.objects.get()
    with corpus.indexed():
        moderation_services.hide_post(corpus.question_of(first), moderator=brand_rep)

    response = client.get(reverse("search:open", args=[log.pk, first.pk]))

    log.refresh_from_db()
    assert response.status_code == 404
    assert log.clicked_at is None


# --- The header's box and type-ahead ---------------------------------------------------------


@pytest.mark.parametrize("page", ["home", "thread", "search"])
def test_the_header_search_box_is_on_every_page(client, doorbells, page):
    url = {"home": "/", "thread": doorbells[0].get_absolute_url(), "search": SEARCH_URL}[page]

    html = _html(client.get(url))

    assert f'<form class="site-search" role="search" method="get" action="{SEARCH_URL}">' in html
    assert 'id="site-search-q" name="q"' in html


def test_type_ahead_lists_titles_that_start_with_what_is_typed(client, doorbells):
    response = client.get(reverse("search:suggest"), {"q": "doorbell cam"})

    html = _html(response)
    assert response.status_code == 200
    assert f'href="{doorbells[1].get_absolute_url()}"' in html
    assert "Doorbell chimes twice" not in html


def test_type_ahead_waits_for_two_letters(client, doorbells):
    response = client.get(reverse("search:suggest"), {"q": "d"})

    assert response.status_code == 200
    assert "suggest-list" not in _html(response)


# --- Similar threads while asking ------------------------------------------------------------

SIMILAR_TITLE = "Thermostat loses wifi connection after firmware update"


@pytest.fixture
def answered(corpus):
    """A solved thread a new question may duplicate."""
    thread = corpus.ask(SIMILAR_TITLE, "Since the update the wifi drops every night.")
    corpus.answer(
        thread,
        "Reset the wifi module: hold the button for ten seconds, then pair it again.",
        accept=True,
    )
    return thread


def _ask_data(category, **overrides) -> dict:
    data = {
        "category": str(category.pk),
        "title": "Thermostat keeps losing the wifi connection",
        "body": "After the firmware update my thermostat loses wifi at night.",
        "tags": "wifi firmware",
        "submission_key": str(uuid.uuid4()),
    }
    return {**data, **overrides}


def _live_panel(client, category, title="Thermostat keeps losing the wifi connection"):
    return client.get(
        reverse("search:similar"),
        {"title": title, "body": "Since the update.", "category": category.pk},
    )


def test_the_live_panel_lists_similar_threads_with_their_solutions_first_lines(
    client_for, customer, category, answered
):
    response = _live_panel(client_for(customer), category)

    html = _html(response)
    assert response.status_code == 200
    assert SIMILAR_TITLE in html
    assert f'href="{reverse("search:choose", args=[answered.pk])}"' in html
    assert "Reset the wifi module: hold the button for ten seconds" in html
    assert '<input type="hidden" name="confirmed" value="1">' in html


def test_the_live_panel_records_what_it_offered(client_for, customer, category, answered):
    _live_panel(client_for(customer), category)

    attempt = AskAttempt.objects.get()
    assert attempt.member == customer
    assert attempt.shown_thread_ids == [answered.pk]
    assert attempt.title == "Thermostat keeps losing the wifi connection"


def test_the_live_panel_is_for_members_only(client, category, answered):
    _assert_login_redirect(_live_panel(client, category))
    assert not AskAttempt.objects.exists()


def test_asking_without_javascript_shows_similar_threads_before_posting(
    client_for, customer, category, answered
):
    client = client_for(customer)
    data = _ask_data(category)

    response = client.post(ASK_URL, data)

    assert response.status_code == 302
    assert response.url == ASK_URL
    assert Thread.objects.count() == 1
    html = _html(client.get(ASK_URL))
    assert "Before you post" in html
    assert SIMILAR_TITLE in html
    assert f'value="{data["title"]}"' in html
    assert data["body"] in html
    assert f'value="{data["tags"]}"' in html
    assert f'<option value="{category.pk}" selected>' in html
    assert '<input type="hidden" name="confirmed" value="1">' in html


def test_confirming_after_the_suggestions_posts_the_question(
    client_for, customer, category, answered
):
    client = client_for(customer)
    data = _ask_data(category)
    client.post(ASK_URL, data)

    response = client.post(ASK_URL, {**data, "confirmed": "1"})

    thread = Thread.objects.exclude(pk=answered.pk).get()
    assert response.status_code == 302
    assert response.url == thread.get_absolute_url()
    assert thread.title == data["title"]


def test_posting_after_the_suggestions_marks_the_attempt_posted(
    client_for, customer, category, answered
):
    client = client_for(customer)
    data = _ask_data(category)
    client.post(ASK_URL, data)

    client.post(ASK_URL, {**data, "confirmed": "1"})

    thread = Thread.objects.exclude(pk=answered.pk).get()
    attempt = AskAttempt.objects.get()
    assert attempt.shown_thread_ids == [answered.pk]
    assert attempt.posted_thread_id == thread.pk
    assert attempt.posted_at is not None
    assert attempt.chosen_thread_id is None


def test_a_question_like_no_thread_posts_in_one_step(client_for, customer, category, answered):
    data = _ask_data(
        category,
        title="Doorbell chimes twice",
        body="Someone rings once and it chimes two times.",
        tags="",
    )

    response = client_for(customer).post(ASK_URL, data)

    thread = Thread.objects.exclude(pk=answered.pk).get()
    assert response.url == thread.get_absolute_url()
    assert not AskAttempt.objects.exists()


def test_choosing_a_suggestion_records_the_deflection_and_opens_the_thread(
    client_for, customer, category, answered
):
    client = client_for(customer)
    _live_panel(client, category)

    response = client.get(reverse("search:choose", args=[answered.pk]))

    attempt = AskAttempt.objects.get()
    assert response.status_code == 302
    assert response.url == answered.get_absolute_url()
    assert attempt.chosen_thread_id == answered.pk
    assert attempt.chosen_at is not None


def test_choosing_a_thread_that_was_not_offered_records_nothing(
    client_for, customer, corpus, category, answered
):
    client = client_for(customer)
    _live_panel(client, category)
    other = corpus.ask("Doorbell chimes twice", "Every time someone rings.")

    response = client.get(reverse("search:choose", args=[other.pk]))

    assert response.status_code == 302
    assert AskAttempt.objects.get().chosen_thread_id is None


def test_choosing_a_hidden_thread_is_not_found(
    client_for, customer, corpus, category, answered, brand_rep
):
    client = client_for(customer)
    _live_panel(client, category)
    with corpus.indexed():
        moderation_services.hide_post(corpus.question_of(answered), moderator=brand_rep)

    response = client.get(reverse("search:choose", args=[answered.pk]))

    assert response.status_code == 404
    assert AskAttempt.objects.get().chosen_thread_id is None


def test_choosing_a_suggestion_is_for_members_only(client, answered):
    _assert_login_redirect(client.get(reverse("search:choose", args=[answered.pk])))


# --- Related threads -------------------------------------------------------------------------


@pytest.fixture
def related_pair(corpus, answered):
    """*answered* and a thread like it (and one unlike both)."""
    like = corpus.ask(
        "Thermostat wifi connection drops after the update",
        "The thermostat loses its wifi connection since the firmware update.",
    )
    corpus.ask("Lock battery drains", "The smart lock needs new batteries weekly.")
    return answered, like


def test_a_thread_page_shows_related_threads(client, related_pair):
    thread, like = related_pair

    html = _html(client.get(thread.get_absolute_url()))

    assert 'class="related-threads"' in html
    related = html[html.index('class="related-threads"') :]
    assert f'href="{like.get_absolute_url()}"' in related
    assert "Lock battery drains" not in related


def test_related_threads_never_show_a_thread_hidden_after_the_list_was_kept(
    client, corpus, related_pair, brand_rep
):
    thread, like = related_pair
    client.get(thread.get_absolute_url())
    with corpus.indexed():
        moderation_services.hide_post(corpus.question_of(like), moderator=brand_rep)
    assert like.pk in viewer_bits.related_ids(thread.pk)  # the kept list still names it

    html = _html(client.get(thread.get_absolute_url()))

    assert like.get_absolute_url() not in html
    assert like.title not in html


# --- Staff pages in the admin ----------------------------------------------------------------

GAPS_URL = reverse("search_gaps:index")
SYNONYMS_URL = reverse("search_synonyms:index")
STATUS_URL = reverse("search_status:index")


@pytest.fixture
def searched(client, doorbells):
    """Three searches: one found nothing, one found something nobody opened, one was opened."""
    _search(client, q="frobnicate")
    _search(client, q="reboots")
    _search(client, q="chimes")
    clicked = SearchLog.objects.get(normalised="chimes")
    client.get(reverse("search:open", args=[clicked.pk, doorbells[0].pk]))
    client.logout()


def test_content_gaps_list_searches_with_no_result_or_no_click(client_for, searched, brand_rep):
    response = client_for(brand_rep).get(GAPS_URL)

    assert response.status_code == 200
    rows = {row["normalised"]: row for row in response.context["rows"]}
    assert set(rows) == {"frobnicate", "reboots"}
    assert (rows["frobnicate"]["no_results"], rows["frobnicate"]["no_click"]) == (1, 0)
    assert (rows["reboots"]["no_results"], rows["reboots"]["no_click"]) == (0, 1)
    assert ">frobnicate</a>" in _html(response)


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_content_gaps_export_as_csv(client_for, searched, brand_rep):
    response = client_for(brand_rep).get(GAPS_URL, {"format": "csv"})

    rows = _csv_rows(response)
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == ["query", "product", "searches", "no_results", "no_click", "last_searched"]
    assert sorted(row[0] for row in rows[1:]) == ["frobnicate", "reboots"]


def test_content_gaps_csv_quotes_a_cell_a_spreadsheet_would_run(client_for, brand_rep):
    # Normalising drops "=", so such a row comes only from elsewhere: the export is
    # safe whatever the table holds, and so is a product named like a formula.
    product = make_category("=HYPERLINK(1)", slug="formula")
    SearchLog.objects.create(
        query="=1+2", normalised="=1+2", product=product, language="en", results=0
    )

    rows = _csv_rows(client_for(brand_rep).get(GAPS_URL, {"format": "csv"}))

    assert rows[1][:2] == ["'=1+2", "'=HYPERLINK(1)"]


@pytest.mark.parametrize("params", [{}, {"format": "csv"}])
def test_content_gaps_are_refused_to_customers(client_for, searched, customer, params):
    response = client_for(customer).get(GAPS_URL, params)

    assert response.status_code in (302, 403)
    assert "frobnicate" not in _html(response)


def test_a_support_agent_reads_the_content_gaps(client_for, searched, support_agent):
    response = client_for(support_agent).get(GAPS_URL)

    assert response.status_code == 200
    assert {row["normalised"] for row in response.context["rows"]} == {"frobnicate", "reboots"}


def test_content_gaps_are_refused_to_anonymous_visitors(client, searched):
    response = client.get(GAPS_URL)

    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_a_brand_representative_opens_the_synonyms_and_adds_a_group(client_for, brand_rep):
    client = client_for(brand_rep)

    listing = client.get(SYNONYMS_URL)
    response = client.post(reverse("search_synonyms:add"), {"terms": "wifi, wlan", "product": ""})

    assert listing.status_code == 200
    assert response.status_code == 302
    assert Synonym.objects.get().terms == "wifi, wlan"


def test_synonyms_are_refused_to_customers(client_for, customer):
    response = client_for(customer).post(
        reverse("search_synonyms:add"), {"terms": "wifi, wlan", "product": ""}
    )

    assert response.status_code in (302, 403)
    assert not Synonym.objects.exists()


def test_the_search_status_page_shows_the_index_and_deflection(
    client_for, administrator, doorbells
):
    response = client_for(administrator).get(STATUS_URL)

    html = _html(response)
    assert response.status_code == 200
    assert "2 public threads" in html
    assert response.context["status"].backends[0].documents == 2
    assert "Deflection on the ask page" in html


def test_the_search_status_page_is_refused_to_customers(client_for, customer):
    response = client_for(customer).get(STATUS_URL)

    assert response.status_code in (302, 403)
    assert "public threads" not in _html(response)
