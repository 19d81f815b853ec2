from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("search/open/<int:log_id>/<int:thread_id>/", views.open_result, name="open"),
    path("search/open/<int:log_id>/a/<int:page_id>/", views.open_article, name="open_article"),
    path("search/similar/", views.similar, name="similar"),
    path("search/choose/<int:thread_id>/", views.choose, name="choose"),
]
