"""Replace Wagtail's welcome page with the community home page and the /c/ product index."""

from django.db import migrations


def create_pages(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    HomePage = apps.get_model("forum", "HomePage")
    CategoryIndexPage = apps.get_model("forum", "CategoryIndexPage")

    if HomePage.objects.exists():
        return
    locale = Locale.objects.first() or Locale.objects.create(language_code="en")
    Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
    home_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="forum")
    index_type, _ = ContentType.objects.get_or_create(model="categoryindexpage",
                                                      app_label="forum")
    root = Page.objects.get(depth=1)
    home = HomePage.objects.create(
        title="Community", draft_title="Community", slug="home", content_type=home_type,
        path=f"{root.path}0001", depth=2, numchild=1, url_path="/home/", locale=locale,
        intro="<p>Ask the community about a product problem, or find how others solved it.</p>",
    )
    CategoryIndexPage.objects.create(
        title="Products", draft_title="Products", slug="c", content_type=index_type,
        path=f"{home.path}0001", depth=3, numchild=0, url_path="/home/c/", locale=locale,
    )
    root.numchild = 1
    root.save(update_fields=["numchild"])
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home,
                  "site_name": "Community"},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_pages, migrations.RunPython.noop)]
