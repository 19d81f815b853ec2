from django.urls import include, path

from forum import views

app_name = "forum"

urlpatterns = [
    path("ask/", views.ask, name="ask"),
    path("preview/", views.preview, name="preview"),
    path("t/<int:pk>/<str:slug>/", views.thread_detail, name="thread"),
    path("t/<int:pk>/answer", views.answer, name="answer"),
    path("t/<int:pk>/unaccept", views.unaccept, name="unaccept"),
    path("p/<int:post_id>/comment", views.comment, name="comment"),
    path("p/<int:post_id>/edit/", views.edit_post, name="edit_post"),
    path("p/<int:post_id>/history/", views.post_history, name="post_history"),
    path("p/<int:post_id>/delete/", views.delete_post, name="delete_post"),
    path("p/<int:post_id>/vote", views.vote, name="vote"),
    path("p/<int:post_id>/accept", views.accept, name="accept"),
    path("p/<int:post_id>/suggestions/", views.suggested_edits, name="suggested_edits"),
    path("suggestions/<int:suggestion_id>/", views.suggested_edit, name="suggested_edit"),
    *[
        path(
            f"suggestions/<int:suggestion_id>/{action}",
            views.review_suggested_edit,
            {"action": action},
            name=f"{action}_suggested_edit",
        )
        for action in ("approve", "reject")
    ],
    path("comments/<int:comment_id>/delete", views.delete_comment, name="delete_comment"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("", include("forum.community_urls")),
    path("", include("forum.badge_urls")),
]
