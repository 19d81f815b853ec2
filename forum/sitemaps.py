"""sitemap.xml: what a search engine may index is what an anonymous visitor may see."""

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap

from forum import permissions
from forum.models import CategoryPage, Thread


class ThreadSitemap(Sitemap):
    changefreq = "daily"
    limit = 5000

    def items(self):
        threads = permissions.visible_threads(AnonymousUser(), Thread.objects.all())
        return threads.only("pk", "slug", "last_activity_at").order_by("-last_activity_at", "-pk")

    def lastmod(self, thread: Thread):
        return thread.last_activity_at


class ProductSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        visible = permissions.visible_category_ids(AnonymousUser())
        return CategoryPage.objects.filter(pk__in=visible).order_by("title")

    def location(self, page: CategoryPage) -> str:
        return page.url

    def lastmod(self, page: CategoryPage):
        return page.last_published_at


SITEMAPS = {"threads": ThreadSitemap, "products": ProductSitemap}
