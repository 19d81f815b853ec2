"""What search keeps: the database index, synonyms, the search log (content gaps) and
the ask-time suggestions shown (deflection)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forum.models import CategoryPage


class SearchDocument(models.Model):
    """One thread (or article) as the database backend searches it.

    The words are also kept, stemmed, in a full-text index the migrations make per
    database: an FTS5 table ``search_fts`` on SQLite (its rowid is this row's id), a
    ``vector`` tsvector column with a GIN index on PostgreSQL. ``search.backends.database``
    is the only code that reads or writes them.
    """

    class Kind(models.TextChoices):
        THREAD = "thread", _("thread")
        ARTICLE = "article", _("article")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    product_id = models.BigIntegerField()
    title = models.CharField(max_length=255)
    url = models.CharField(max_length=300)
    language = models.CharField(max_length=8)
    question = models.TextField(blank=True)
    accepted = models.TextField(blank=True)
    answers = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)  # slugs
    tag_names = models.JSONField(default=list, blank=True)
    versions = models.JSONField(default=list, blank=True)
    solved = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)
    staff_answered = models.BooleanField(default=False)
    votes = models.IntegerField(default=0)
    me_too = models.IntegerField(default=0)
    answer_count = models.IntegerField(default=0)
    created_at = models.DateTimeField(null=True)
    activity_at = models.DateTimeField(null=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique"),
        ]
        indexes = [models.Index(fields=["product_id"], name="search_document_product")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"


class SearchEmbedding(models.Model):
    """A document's sentence embedding, for the optional semantic stage of similar
    questions (``search.semantic``): 384 float32 values, unit length."""

    kind = models.CharField(max_length=10)
    object_id = models.BigIntegerField()
    vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_embedding_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class Synonym(models.Model):
    """Words that mean the same to customers ("wifi, wlan, wireless"), for all products or
    one. Applied when searching, so a change needs no reindex."""

    product = models.ForeignKey(
        CategoryPage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
        help_text=_("Leave empty for every product."),
    )
    terms = models.CharField(
        _("words that mean the same"),
        max_length=500,
        help_text=_("Separate them with commas, e.g. wifi, wlan, wireless network."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonyms")
        ordering = ["terms"]

    def __str__(self) -> str:
        return self.terms


class SearchLog(models.Model):
    """One search someone ran: what (normalised), where, how many results, and whether a
    result was opened. Searches with no result or no click are the content gaps."""

    class Source(models.TextChoices):
        PAGE = "page", _("search page")
        ASK = "ask", _("ask page")

    query = models.CharField(max_length=200)
    normalised = models.CharField(max_length=200)
    product = models.ForeignKey(
        CategoryPage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=8)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.PAGE)
    results = models.PositiveIntegerField()
    clicked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["-created_at"], name="search_log_created"),
            models.Index(fields=["normalised", "product"], name="search_log_query"),
        ]

    def __str__(self) -> str:
        return self.normalised


class AskAttempt(models.Model):
    """A question being written on /ask/ and the similar threads offered for it.

    It ends posted (``thread_id``), answered by a suggestion (``chosen_thread_id``: a
    deflection), or neither: given up after seeing suggestions when it stays so.
    """

    key = models.UUIDField(unique=True, default=uuid.uuid4)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(
        CategoryPage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True)
    shown_thread_ids = models.JSONField(default=list)
    chosen_thread_id = models.BigIntegerField(null=True, blank=True)
    chosen_at = models.DateTimeField(null=True, blank=True)
    posted_thread_id = models.BigIntegerField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["-created_at"], name="search_ask_created")]

    def __str__(self) -> str:
        return self.title
