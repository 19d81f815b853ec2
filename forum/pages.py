"""Wagtail pages: the home page, the product index at /c/ and one category page per product."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page


class FeatureBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=80)
    text = blocks.TextBlock(max_length=300, required=False)
    page = blocks.PageChooserBlock(required=False)
    url = blocks.URLBlock(required=False, help_text=_("Used when no page is chosen."))

    class Meta:
        icon = "pick"
        template = "forum/blocks/feature.html"


class HomePage(Page):
    """The community's front door: intro, featured blocks, products, latest and unanswered."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link", "ol", "ul"])
    featured = StreamField([("feature", FeatureBlock())], blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("featured")]
    subpage_types = ["forum.CategoryIndexPage"]
    max_count = 1
    template = "forum/home_page.html"

    def get_context(self, request, *args, **kwargs):
        from forum import listing
        from reputation import leaderboards

        context = super().get_context(request, *args, **kwargs)
        context.update(listing.home_context(request))
        context["top_helpers"] = leaderboards.top_helpers()
        return context


class CategoryIndexPage(Page):
    """The list of products, at /c/."""

    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["forum.HomePage"]
    subpage_types = ["forum.CategoryPage"]
    max_count = 1
    template = "forum/category_index_page.html"

    def get_context(self, request, *args, **kwargs):
        from forum import permissions

        context = super().get_context(request, *args, **kwargs)
        visible = permissions.visible_category_ids(request.user)
        context["products"] = (
            CategoryPage.objects.filter(pk__in=visible).child_of(self).order_by("title")
        )
        return context


class CategoryPage(Page):
    """One product: its description and its threads, at /c/<slug>/."""

    description = models.TextField(_("description"), blank=True, max_length=1000)

    content_panels = [*Page.content_panels, FieldPanel("description")]
    parent_page_types = ["forum.CategoryIndexPage"]
    subpage_types: list[str] = []
    template = "forum/category_page.html"

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def get_context(self, request, *args, **kwargs):
        from forum import listing
        from reputation import leaderboards

        context = super().get_context(request, *args, **kwargs)
        context.update(listing.category_context(request, self))
        context["top_helpers"] = leaderboards.top_helpers(product_id=self.pk)
        return context
