from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("p/<int:post_id>/flag/", views.flag, name="flag"),
    path("flags/", views.my_flags, name="my_flags"),
    path("warning/", views.warning, name="warning"),
    path("p/<int:post_id>/moderate/", views.moderate_post, name="post"),
    path("p/<int:post_id>/moderate/edit/", views.edit_post, name="edit_post"),
    *[
        path(
            f"p/<int:post_id>/moderate/{action}",
            views.act_on_post,
            {"action": action},
            name=f"{action}_post",
        )
        for action in views.POST_ACTIONS
    ],
    path("t/<int:pk>/moderate/", views.moderate_thread, name="thread"),
    *[
        path(
            f"t/<int:pk>/moderate/{action}",
            views.act_on_thread,
            {"action": action},
            name=f"{action}_thread",
        )
        for action in (*views.THREAD_FLAGS, "move", "close", "reopen", "merge", "split")
    ],
    path("t/<int:pk>/canned/<int:reply_id>/", views.canned_answer, name="canned_answer"),
    path("u/<str:username>/moderate/", views.moderate_member, name="member"),
    *[
        path(
            f"u/<str:username>/moderate/{action}",
            views.act_on_member,
            {"action": action},
            name=f"{action}_member",
        )
        for action in ("warn", "suspend", "lift", "spam", "unspam", "watch")
    ],
    path("revisions/<int:revision_id>/redact", views.redact_revision, name="redact_revision"),
    path("moderation/queue/", views.queue_home, name="queue_home"),
]
