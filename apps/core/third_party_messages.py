"""Messages that the admin site shows from other packages whose own catalogues have no Chinese for them: Django 5.2's
admin (a few newer messages) and django-axes (its models, columns and filters: axes ships no zh_Hans at all).

Marked here with gettext_noop so that `makemessages` (scripts/check_translations.py) copies them into
locale/zh_Hans, whose translations Django uses before any package's own (LOCALE_PATHS comes first). Nothing reads this
tuple at run time: the packages translate their own strings, and find our translations by the same message id.
When upgrading Django or django-axes, compare their messages again (those without a zh_Hans translation belong here).
"""

from django.utils.translation import gettext_noop

MESSAGES = (
    # django.contrib.admin 5.2: the table headers of the admin index for screen readers, the user form's hint,
    # the prefix of a page title after a form error, the login page's helper lines.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("In case you’ve forgotten, you are:"),
    # django-axes 8: model names
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    # django-axes 8: fields, list columns, filters, sections and actions of its admin pages
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Locked Out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Not set"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
)
