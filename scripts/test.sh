#!/usr/bin/env bash
# Set up and run the whole test suite: ./scripts/test.sh [pytest args]
#   Debian packages the tests need (gettext, Chromium + ChromeDriver, CJK
#   fonts), .venv with requirements-dev.txt, compiled translations, then
#   pytest. Exits with pytest's code; "no tests collected" (5) is a failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_debian_packages gettext chromium chromium-driver fonts-noto-cjk
ensure_venv
pip_sync requirements-dev.txt

if find . -path ./.venv -prune -o -path '*/locale/*' -name '*.po' -print 2>/dev/null | grep -q .; then
    say "compilemessages"
    .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=var --verbosity 0
fi

# pytest-django needs the settings module; use the project's unless a pytest
# config file or the environment already names one.
if [ -z "${DJANGO_SETTINGS_MODULE:-}" ] &&
    ! grep -qs DJANGO_SETTINGS_MODULE pytest.ini pyproject.toml setup.cfg tox.ini; then
    export DJANGO_SETTINGS_MODULE=zhangye_utilities.settings
fi

say "pytest $*"
rc=0
.venv/bin/python -m pytest "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
    printf 'error: pytest collected no tests (exit code 5); that counts as a failure\n' >&2
fi
exit "$rc"
