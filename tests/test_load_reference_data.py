"""manage.py load_reference_data on a database that already holds the reference data."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from issues.models import Category

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("verbosity", [1, 2])
def test_a_second_load_updates_changed_categories(verbosity):
    # A category whose shipped values changed since the last load (new English texts, say) is updated.
    # The update path crashed on ``self.verbosity`` and stopped every start of an existing install.
    call_command("load_reference_data", stdout=StringIO())
    Category.objects.filter(service_code="gas-leak").update(safety_instructions_en="", name_en="old")
    out = StringIO()
    call_command("load_reference_data", stdout=out, verbosity=verbosity)
    gas = Category.objects.get(service_code="gas-leak")
    assert gas.name_en == "Gas leak or smell of gas"
    assert gas.safety_instructions_en.startswith("Leave at once and phone only from a safe place outdoors.")
    assert "Done: 1 row(s) created or updated." in out.getvalue()
    assert ("note: category gas-leak:" in out.getvalue()) is (verbosity == 2)


def test_a_category_edited_in_admin_is_kept_and_said(client, admin_user):
    """A restart (run.sh loads the reference data) must not undo an admin's edits (breaker round 3)."""
    call_command("load_reference_data", stdout=StringIO())
    gas = Category.objects.get(service_code="gas-leak")
    client.force_login(admin_user)
    r = client.post(f"/admin/issues/category/{gas.pk}/change/", {
        "service_code": "gas-leak", "utility": "gas", "name": "燃气泄漏/异味", "name_en": gas.name_en,
        "description": gas.description, "priority": "emergency", "heating_season_priority": "",
        "needs_verification": "on", "active": "on", "extra_questions": "[]",
        "safety_instructions": "新热线 0936-1234567", "safety_instructions_en": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    gas.refresh_from_db()
    assert (gas.safety_instructions, gas.extra_questions, gas.safety_instructions_en) == ("新热线 0936-1234567", [], "")
    assert ("note: category gas-leak: kept as edited in admin (differs from the shipped data in "
            "extra_questions, safety_instructions, safety_instructions_en)") in out.getvalue()
    # The other categories, never edited, still follow the shipped data.
    Category.objects.filter(service_code="water-leak").update(name_en="old")
    call_command("load_reference_data", stdout=StringIO())
    assert Category.objects.get(service_code="water-leak").name_en == "Water leak or burst pipe"
