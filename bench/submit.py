"""Benchmark resident filings through /report/ against gunicorn on PostgreSQL (run by hand).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhangye_bench_submit \\
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python -m bench.submit

Starts gunicorn (gthread, 3 workers × 4 threads) on 127.0.0.1:8799 with the
filing limits raised through their settings, then for each of 3 runs drives
16 concurrent clients for --seconds against (a) the real form POST — the
full intake: validation, routing, deadlines, event, outbox, one short
transaction, and the sender kick after it, as in production (the kicked
tasks go to the REDIS_URL broker; no worker runs, so they wait there) —
and (b) a floor view that does one INSERT. Prints each run, the medians
of requests/s and p95 latency (ms) for both, and their ratio, with the
CPU time per request spent in gunicorn (master and workers) and in
the PostgreSQL backends of the database (from /proc) and in this load
generator itself (it runs on the same cores, so CPU per request says where
the time goes: when the server is CPU-bound, the rate is about the cores
divided by the sum of the three).
Traffic goes to 127.0.0.1 only; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on sys.path, where bench/queue.py
# would shadow the standard library's queue module: take it off.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
PORT = 8799
PY = sys.executable


def manage(*args, env):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def prepare(env) -> dict:
    """Migrate, load data, create the floor table; return form field values."""
    print("preparing the database (migrate, reference and demo data, collectstatic)…", flush=True)
    manage("migrate", "--noinput", env=env)
    manage("createcachetable", env=env)
    manage("load_reference_data", env=env)
    manage("load_demo_data", "--force", env=env)
    manage("collectstatic", "--noinput", env=env)
    code = ("from django.db import connection; from issues.models import Category, District;"
            "c = connection.cursor();"
            "c.execute('CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, "
            "at timestamptz NOT NULL DEFAULT now(), payload text)');"
            "cat = Category.objects.get(service_code='water-low-pressure');"
            "print(cat.id, cat.utility, District.objects.get(code='ganzhou').id)")
    out = subprocess.run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return {"category": out[-3], "utility": out[-2], "district": out[-1]}


class Client:
    """One keep-alive HTTP connection with its CSRF token."""

    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.cookie = ""
        self.token = ""

    def get_form(self):
        self.conn.request("GET", "/report/")
        r = self.conn.getresponse()
        body = r.read().decode()
        cookie = r.getheader("Set-Cookie") or ""
        m = re.search(r"csrftoken=([^;]+)", cookie)
        self.cookie = f"csrftoken={m.group(1)}" if m else ""
        m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        self.token = m.group(1) if m else ""

    def post(self, path, fields) -> int:
        body = urllib.parse.urlencode(fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie,
                   "Referer": f"http://127.0.0.1:{PORT}/report/"}
        self.conn.request("POST", path, body=body, headers=headers)
        r = self.conn.getresponse()
        r.read()
        return r.status


TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def server_cpu(master: int, database: str) -> tuple[float, dict[int, float]]:
    """CPU seconds used so far by gunicorn (master and workers), and by each PostgreSQL backend serving ``database``."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    gunicorn = _cpu(master) + sum(_cpu(int(c)) for c in children)
    postgres = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if cmd.startswith(b"postgres: ") and f" {database} ".encode() in cmd:
                postgres[int(proc.name)] = _cpu(int(proc.name))
    return gunicorn, postgres


def drive(target: str, seconds: float, clients: int, form: dict) -> tuple[float, float, int, int]:
    """Run ``clients`` threads for ``seconds``; returns (req/s, p95 ms, ok, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(n):
        client = Client()
        if target == "form":
            client.get_form()
        rng = random.Random(n)
        mine, bad = [], 0
        while time.monotonic() < deadline:
            if target == "form":
                fields = {"csrfmiddlewaretoken": client.token, "utility": form["utility"],
                          "category": form["category"], "district": form["district"], "community": "滨河新区锦绣花园",
                          "building": "3", "unit_no": "2", "room": "501", "description": "五楼以上水压不足，洗澡没水",
                          "reporter_phone": f"138{rng.randrange(10**8):08d}", "privacy": "on",
                          "idempotency_key": str(uuid.uuid4())}
                path, ok = "/report/", (302, 303)
            else:
                fields, path, ok = {"payload": "x" * 50}, "/bench/floor/", (201,)
            t = time.perf_counter()
            try:
                status = client.post(path, fields)
            except (OSError, http.client.HTTPException):
                client = Client()
                if target == "form":
                    client.get_form()
                bad += 1
                continue
            elapsed = (time.perf_counter() - t) * 1000
            if status in ok:
                mine.append(elapsed)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    wall = time.monotonic() - started
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    return len(latencies) / wall, p95, len(latencies), errors[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/submit.py needs DATABASE_URL=postgres://… (a database it may fill)")
    env = dict(os.environ, ZY_BENCH_FLOOR="1", ZY_KICK_SENDER="true", DATA_DIR=str(ROOT / "var" / "bench"),
               ZY_LIMIT_FILE_PHONE_HOUR="1000000", ZY_LIMIT_FILE_PHONE_DAY="1000000",
               ZY_LIMIT_FILE_IP_HOUR="100000000", ALLOWED_HOSTS="127.0.0.1,localhost")
    form = prepare(env)
    log = open(ROOT / "var" / "bench" / "gunicorn.log", "w")
    server = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "zhangye_utilities.wsgi", "--worker-class", "gthread", "--workers", "3",
         "--threads", "4", "--bind", f"127.0.0.1:{PORT}", "--no-control-socket", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                conn.request("GET", "/report/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            sys.exit(f"gunicorn did not serve /report/; see {log.name}")
        drive("form", 3, 4, form)  # warm-up
        drive("floor", 3, 4, form)
        database = os.environ["DATABASE_URL"].rsplit("/", 1)[1].split("?")[0]
        results = {"form": [], "floor": []}
        for run in range(1, args.runs + 1):
            for target in ("form", "floor"):
                before, own = server_cpu(server.pid, database), time.process_time()
                rps, p95, ok, bad = drive(target, args.seconds, args.clients, form)
                after, own = server_cpu(server.pid, database), time.process_time() - own
                # A backend born during the run counts whole; one that ended is lost (a small undercount).
                db_s = sum(cpu - before[1].get(pid, 0.0) for pid, cpu in after[1].items())
                web_ms, db_ms = (after[0] - before[0]) * 1000 / max(ok, 1), db_s * 1000 / max(ok, 1)
                client_ms = own * 1000 / max(ok, 1)
                results[target].append((rps, p95, web_ms, db_ms, client_ms))
                print(f"run {run} {target:5}: {rps:7.1f} req/s  p95 {p95:6.1f} ms  ({ok} ok, {bad} errors)  "
                      f"CPU per request: gunicorn {web_ms:.2f} ms, PostgreSQL {db_ms:.2f} ms, "
                      f"load generator {client_ms:.2f} ms", flush=True)
        med = {t: [statistics.median(r[i] for r in v) for i in range(5)] for t, v in results.items()}
        print(f"\nmedian of {args.runs} runs, {args.clients} clients, gunicorn gthread 3×4, PostgreSQL:")
        for t in ("form", "floor"):
            print(f"  {t:5}: {med[t][0]:7.1f} req/s  p95 {med[t][1]:6.1f} ms  "
                  f"CPU per request: gunicorn {med[t][2]:.2f} ms, PostgreSQL {med[t][3]:.2f} ms, "
                  f"load generator {med[t][4]:.2f} ms")
        if med["floor"][0]:
            print(f"  form/floor rate ratio: {med['form'][0] / med['floor'][0]:.2f}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
