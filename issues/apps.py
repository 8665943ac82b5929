from django.apps import AppConfig


class IssuesConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'issues'

    def ready(self):
        """Keep the per-process reference snapshot (issues.reference) in step with admin edits."""
        from . import reference

        reference.connect_signals()
