"""``manage.py load_demo_data``: demo units, routing rules, users and API clients.

Needs the reference data (run ``load_reference_data`` first). Idempotent:
units, rules, users and clients are found by natural key (unit name; rule
utility + district + category; username; client name) and only changed
where they differ from the demo values.

- Units: per utility × district one company (甘州区供热公司, 临泽县供水公司,
  甘州区燃气公司, 国网张掖供电公司甘州供电中心 …) with a demo on-call mobile and
  hotline; two departments, 张掖市住房和城乡建设局 (parent of the heating,
  gas and water companies) and 张掖市发展和改革委员会 (parent of the power
  centres; it regulates electricity).
- Routing: per utility × district a rule to that company, auto_assign off (a
  dispatcher confirms); for the gas-leak category per district a rule with
  auto_assign on (the emergency goes straight to the gas company).
- Users, all with the same demo password, is_staff (they may log in to
  /admin; only ``admin`` is a superuser, the others have no model
  permissions): dispatcher, one unit-staff user per company named
  ``<utility>_<district>`` (heat_ganzhou, water_ganzhou, gas_ganzhou,
  power_ganzhou, heat_linze …), supervisor_heat (heat, gas, water — 住建局),
  supervisor_power (power — 发改委), mayor, revisit, admin. A password is set
  only when the user is created, unless ``--reset-passwords``.
- API clients: 12345热线系统 (no unit) and 甘州区供热公司系统 (bound to that
  company); the token is printed when a client is created.

Refuses to run when DEBUG is off and DJANGO_ENV is "production", unless
``--force``.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from issues.choices import Role, Utility
from issues.management.upsert import CREATED, Tally, upsert
from issues.models import ApiClient, Category, District, RoutingRule, Unit

REASON = "load_demo_data"
DEMO_PASSWORD = "zhangye-demo-2026"

# Short place names used in company names (肃南县 rather than the full name).
SHORT = {
    "ganzhou": ("甘州区", "甘州"),
    "linze": ("临泽县", "临泽"),
    "gaotai": ("高台县", "高台"),
    "shandan": ("山丹县", "山丹"),
    "minle": ("民乐县", "民乐"),
    "sunan": ("肃南县", "肃南"),
}
UTILITY_ORDER = [Utility.HEAT, Utility.WATER, Utility.GAS, Utility.POWER]
ONCALL_NAMES = {Utility.HEAT: "供热值班室", Utility.WATER: "供水调度室", Utility.GAS: "燃气抢修值班室",
                Utility.POWER: "供电抢修值班室"}

HOUSING_BUREAU = "张掖市住房和城乡建设局"
DEVELOPMENT_COMMISSION = "张掖市发展和改革委员会"
GAS_LEAK_CODE = "gas-leak"


def company_name(utility: str, district_code: str) -> str:
    """Demo company name for a utility in a district, e.g. 甘州区供热公司, 国网张掖供电公司甘州供电中心."""
    county, short = SHORT[district_code]
    return {
        Utility.HEAT: f"{county}供热公司",
        Utility.WATER: f"{county}供水公司",
        Utility.GAS: f"{county}燃气公司",
        Utility.POWER: f"国网张掖供电公司{short}供电中心",
    }[utility]


def staff_username(utility: str, district_code: str) -> str:
    """Username of the demo unit-staff user of a company: ``<utility>_<district>``."""
    return f"{utility}_{district_code}"


def demo_mobile(n: int) -> str:
    """The n-th demo mobile number, +8613800000001 … (a placeholder range)."""
    return f"+86138000{n:05d}"


def demo_hotline(n: int) -> str:
    """The n-th demo landline "0936-0000nnn"; a local number never starts with 0, so it is not real."""
    return f"0936-0000{n:03d}"


def refuse_in_production(force: bool) -> None:
    """Raise CommandError when DEBUG is off, DJANGO_ENV is production and ``force`` is not set."""
    if not settings.DEBUG and os.environ.get("DJANGO_ENV") == "production" and not force:
        raise CommandError(
            "Refusing to load demo data into a production deployment (DEBUG off, DJANGO_ENV=production). "
            "Use --force if you really mean it."
        )


class Command(BaseCommand):
    """Create or refresh the demo units, routing rules, users and API clients; print the user table."""

    help = "Load demo units, routing rules, users (one per role) and API clients (idempotent)."

    def add_arguments(self, parser):
        """``--force`` runs even in production; ``--reset-passwords`` resets every demo user's password."""
        parser.add_argument("--force", action="store_true", help="run even when DJANGO_ENV=production")
        parser.add_argument("--reset-passwords", action="store_true",
                            help="set the demo password on existing demo users too")
        parser.add_argument("--password", default=DEMO_PASSWORD,
                            help=f"password for new demo users (default {DEMO_PASSWORD!r}, at least 12 characters)")

    def handle(self, *args, force=False, reset_passwords=False, password=DEMO_PASSWORD, **options):
        """Load everything in one transaction, then print the summary, users and tokens."""
        refuse_in_production(force)
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("demo password rejected: " + " ".join(exc.messages)) from None
        districts = {d.code: d for d in District.objects.filter(code__in=SHORT)}
        missing = sorted(set(SHORT) - set(districts))
        if missing or not Category.objects.filter(service_code=GAS_LEAK_CODE).exists():
            raise CommandError("Reference data missing (districts %s / gas-leak category): "
                               "run `manage.py load_reference_data` first." % (", ".join(missing) or "ok"))

        tally = Tally()
        with transaction.atomic():
            companies = self._units(tally, districts)
            self._routing(tally, districts, companies)
            users = self._users(tally, companies, password, reset_passwords)
            clients = self._clients(tally, companies)

        self.stdout.write("Demo data:")
        for line in tally.lines():
            self.stdout.write(line)
        self._print_users(users)
        self._print_clients(clients)
        self.stdout.write(self.style.SUCCESS(
            "Done: nothing changed." if tally.changed() == 0 else f"Done: {tally.changed()} row(s) created or updated."
        ))

    # --- units ----------------------------------------------------------------

    def _units(self, tally: Tally, districts: dict) -> dict[tuple[str, str], Unit]:
        all_districts = list(districts.values())
        housing, outcome, _ = upsert(
            Unit, {"name": HOUSING_BUREAU},
            {"kind": Unit.Kind.DEPARTMENT, "utilities": [Utility.HEAT.value, Utility.GAS.value, Utility.WATER.value],
             "parent": None, "oncall_contacts": [], "hotline": ""},
            m2m={"districts": all_districts}, reason=REASON)
        tally.add("Unit", outcome)
        development, outcome, _ = upsert(
            Unit, {"name": DEVELOPMENT_COMMISSION},
            {"kind": Unit.Kind.DEPARTMENT, "utilities": [Utility.POWER.value], "parent": None,
             "oncall_contacts": [], "hotline": ""},
            m2m={"districts": all_districts}, reason=REASON)
        tally.add("Unit", outcome)

        companies = {}
        n = 0
        for utility in UTILITY_ORDER:
            for code in SHORT:
                n += 1
                parent = development if utility == Utility.POWER else housing
                unit, outcome, _ = upsert(
                    Unit, {"name": company_name(utility, code)},
                    {"kind": Unit.Kind.COMPANY, "utilities": [utility.value], "parent": parent,
                     "oncall_contacts": [{"name": ONCALL_NAMES[utility], "phone": demo_mobile(n)}],
                     "hotline": demo_hotline(n)},
                    m2m={"districts": [districts[code]]}, reason=REASON)
                tally.add("Unit", outcome)
                companies[(utility.value, code)] = unit
        return companies

    # --- routing --------------------------------------------------------------

    def _routing(self, tally: Tally, districts: dict, companies: dict) -> None:
        gas_leak = Category.objects.get(service_code=GAS_LEAK_CODE)
        for (utility, code), unit in companies.items():
            _, outcome, _ = upsert(RoutingRule, {"utility": utility, "district": districts[code], "category": None},
                                   {"unit": unit, "auto_assign": False}, reason=REASON)
            tally.add("RoutingRule", outcome)
            if utility == Utility.GAS:
                _, outcome, _ = upsert(RoutingRule,
                                       {"utility": utility, "district": districts[code], "category": gas_leak},
                                       {"unit": unit, "auto_assign": True}, reason=REASON)
                tally.add("RoutingRule", outcome)

    # --- users ----------------------------------------------------------------

    def _user_specs(self, companies: dict) -> list[dict]:
        specs = [dict(username="dispatcher", first_name="分派员（演示）", role=Role.DISPATCHER)]
        for (utility, code), unit in companies.items():
            specs.append(dict(username=staff_username(utility, code), first_name=f"{unit.name}（演示）",
                              role=Role.UNIT_STAFF, unit=unit))
        specs += [
            dict(username="supervisor_heat", first_name="住建局督查（演示）", role=Role.SUPERVISOR,
                 unit=Unit.objects.get(name=HOUSING_BUREAU),
                 regulated_utilities=[Utility.HEAT.value, Utility.GAS.value, Utility.WATER.value]),
            dict(username="supervisor_power", first_name="发改委督查（演示）", role=Role.SUPERVISOR,
                 unit=Unit.objects.get(name=DEVELOPMENT_COMMISSION), regulated_utilities=[Utility.POWER.value]),
            dict(username="mayor", first_name="市长办公室（演示）", role=Role.MAYOR),
            dict(username="revisit", first_name="回访员（演示）", role=Role.REVISIT_AGENT),
            dict(username="admin", first_name="系统管理员（演示）", role=Role.ADMIN, is_superuser=True),
        ]
        return specs

    def _users(self, tally: Tally, companies: dict, password: str, reset: bool) -> list[tuple]:
        User = get_user_model()
        rows = []
        for i, spec in enumerate(self._user_specs(companies), start=1):
            values = {
                "first_name": spec["first_name"],
                "role": str(spec["role"]),
                "unit": spec.get("unit"),
                "regulated_utilities": spec.get("regulated_utilities", []),
                "phone": demo_mobile(100 + i),
                "is_staff": True,
                "is_superuser": spec.get("is_superuser", False),
                "is_active": True,
            }
            user, outcome, _ = upsert(User, {"username": spec["username"]}, values)
            shown = "(unchanged)"
            if outcome == CREATED or reset:
                user.set_password(password)
                user.save(update_fields=["password"])
                shown = password
            tally.add("User", outcome)
            rows.append((user.username, user.get_role_display(), user.unit.name if user.unit else "—", shown))
        return rows

    # --- API clients ------------------------------------------------------------

    def _clients(self, tally: Tally, companies: dict) -> list[tuple]:
        heat_ganzhou = companies[(Utility.HEAT.value, "ganzhou")]
        rows = []
        for name, unit in (("12345热线系统", None), (f"{heat_ganzhou.name}系统", heat_ganzhou)):
            client, outcome, _ = upsert(ApiClient, {"name": name}, {"unit": unit, "active": True})
            tally.add("ApiClient", outcome)
            token = client.token if outcome == CREATED else "(exists; admin → 接口客户端 makes a new one)"
            rows.append((name, unit.name if unit else "—", token))
        return rows

    # --- output -----------------------------------------------------------------

    def _print_users(self, rows: list[tuple]) -> None:
        self.stdout.write("")
        self.stdout.write("Demo users (all is_staff; only admin is a superuser):")
        self._table(("username", "role", "unit", "password"), rows)

    def _print_clients(self, rows: list[tuple]) -> None:
        self.stdout.write("")
        self.stdout.write("API clients (token printed only when the client is created):")
        self._table(("client", "unit", "token"), rows)
        self.stdout.write("")

    def _table(self, header: tuple, rows: list[tuple]) -> None:
        def width(s: str) -> int:  # CJK characters take two columns
            """Display width of a string: CJK characters take two columns."""
            return sum(2 if ord(c) > 0x2E80 else 1 for c in s)

        widths = [max(width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for r in [header, tuple("-" * w for w in widths), *rows]:
            self.stdout.write("  " + "  ".join(str(c) + " " * (widths[i] - width(str(c))) for i, c in enumerate(r)))
