from django.urls import path

from solutions import views

app_name = "solutions"

urlpatterns = [
    path("solutions/", views.library, name="library"),
    path("solutions/<int:thread_id>/", views.detail, name="detail"),
    path("solutions/<int:thread_id>/verify/", views.verify, name="verify"),
    path("solutions/<int:thread_id>/promote/", views.promote, name="promote"),
    path("solutions/<int:thread_id>/feedback/", views.feedback, name="feedback"),
    path("library/feedback/<int:page_id>/", views.article_feedback, name="article_feedback"),
]
