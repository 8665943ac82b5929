"""The REST API (/api/v1/, DRF) and the Open311 GeoReport v2 endpoint (/open311/v2/).

Views are thin: every read starts from ``accounts.scope.visible_issues``, every
change goes through ``issues.workflow``, and every error leaves through
``issues.api.errors.api_exception_handler`` in one shape.
"""
