from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'issues'
    verbose_name = _("诉求办理")

    def ready(self):
        """Keep the per-process reference snapshot (issues.reference) in step with admin edits."""
        from . import reference

        reference.connect_signals()
