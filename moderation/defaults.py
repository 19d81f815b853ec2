"""What a new community starts with: the flag reasons members choose from (administrators
edit them). The labels are marked for translation: a default label shows in the reader's
language; one an administrator writes shows as written."""

from django.utils.translation import gettext_noop

FLAG_REASONS = [
    # code, label, description, needs text, needs thread, extra weight, order
    (
        "spam",
        gettext_noop("Spam or advertising"),
        gettext_noop("It promotes a product or service and does not help anyone here."),
        False,
        False,
        1,
        10,
    ),
    (
        "rude",
        gettext_noop("Rude or abusive"),
        gettext_noop("It insults, harasses or threatens someone."),
        False,
        False,
        1,
        20,
    ),
    (
        "off-topic",
        gettext_noop("Off-topic"),
        gettext_noop("It is not about this product or this community."),
        False,
        False,
        0,
        30,
    ),
    (
        "duplicate",
        gettext_noop("Duplicate of another thread"),
        gettext_noop("The same problem is already discussed elsewhere: give its address."),
        False,
        True,
        0,
        40,
    ),
    (
        "needs-staff",
        gettext_noop("Needs staff attention"),
        gettext_noop("Only the company can help here (an account, an order, a safety issue)."),
        True,
        False,
        1,
        50,
    ),
    (
        "other",
        gettext_noop("Something else"),
        gettext_noop("Tell the moderators what is wrong."),
        True,
        False,
        0,
        60,
    ),
]
