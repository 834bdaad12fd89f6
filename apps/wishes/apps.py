"""App config for residents' micro-wishes (微心愿)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WishesConfig(AppConfig):
    name = "apps.wishes"
    verbose_name = _("Micro-wishes")

    def ready(self):
        # Staff may read the audit history of the wishes they can see.
        from apps.ledger.selectors import register_audit_scope
        from apps.wishes import contact_views
        from apps.wishes.selectors import wish_list

        register_audit_scope("wishes.wish", lambda user: wish_list(user=user))
        # Who was shown a resident's contact details: the community's staff only.
        register_audit_scope(contact_views.CONTACT_VIEW_SUBJECT, contact_views.visible_wishes)
