"""Make the content the multi-process test needs; prints its ids as JSON (run by the test)."""

import json

from allauth.account.models import EmailAddress
from django.contrib.sessions.backends.db import SessionStore

from accounts.roles import Role
from tests.factories import UserFactory, make_answer, make_category, make_thread

category = make_category()
asker = UserFactory(username="asker", role=Role.CUSTOMER)
voter = UserFactory(username="voter", role=Role.CUSTOMER)
victim = UserFactory(username="victim", role=Role.CUSTOMER)
for user in (asker, voter, victim):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
thread = make_thread(author=asker, category=category)
answer = make_answer(thread, author=asker)

session = SessionStore()
session["_auth_user_id"] = str(voter.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = voter.get_session_auth_hash()
session.create()

print(  # noqa: T201 (the test reads this line)
    json.dumps(
        {
            "thread_url": thread.get_absolute_url(),
            "answer_id": answer.pk,
            "session": session.session_key,
        }
    )
)
