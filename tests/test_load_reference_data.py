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
