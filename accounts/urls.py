from django.urls import path

from accounts import views

app_name = "accounts"

# The public profile page (/u/<username>/, ``forum:profile``) lists forum content, so the
# forum serves it; accounts keeps what belongs to the account itself.
urlpatterns = [
    path("u/<str:username>/edit/", views.edit_profile, name="edit_profile"),
]
