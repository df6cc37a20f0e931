"""What every bench script shares: smoke mode, scratch databases, a gunicorn under test, logging in; and what the
bench shares with the tests: the app's own processes started as a deployment runs them (gunicorn with
gunicorn.conf.py, the queue's worker), a phone's visit sent through the API, and Debian's Chromium and its flags.

BENCH_SMOKE=1 shrinks every size so the whole bench runs in about a minute (make test runs it
so the scripts never rot). Scratch databases are a SQLite file in a temporary folder or a fresh
PostgreSQL database created in BENCH_POSTGRES_URL and dropped afterwards.
"""

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results"
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
#: Which databases to measure; BENCH_DATABASES=sqlite skips PostgreSQL.
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
#: Every generated account has this password (bench data only, never a real deployment).
BENCH_PASSWORD = "bench-password"  # noqa: S105
SECRET_KEY = "bench-secret-key"  # noqa: S105
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def page_app(database_url: str):
    """The app the in-process page timings use, as a gunicorn worker holds it (gunicorn.conf.py post_worker_init):
    built, then its objects frozen out of the garbage collector's full passes."""
    import gc

    from fieldapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False})
    gc.freeze()
    return app


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: with few samples p95 is simply the slowest)."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary_ms(samples: list[float]) -> dict:
    return {
        "n": len(samples),
        "p50_ms": round(percentile(samples, 0.50) * 1000, 2),
        "p95_ms": round(percentile(samples, 0.95) * 1000, 2),
        "mean_ms": round(statistics.fmean(samples) * 1000, 2),
    }


@contextlib.contextmanager
def scratch_database(kind: str, label: str = "bench"):
    """Yield the URL of an empty database of `kind` ("sqlite" or "postgresql"); drop it afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"fieldapp-{label}-") as folder:
            yield f"sqlite:///{folder}/fieldapp.sqlite"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"fieldapp_{label}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_available() -> bool:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def databases() -> list[str]:
    """The databases to measure: PostgreSQL only where a server answers (said so in the output)."""
    chosen = [kind for kind in DATABASES if kind in ("sqlite", "postgresql")]
    if "postgresql" in chosen and not postgres_available():
        if os.environ.get("CI") == "true":
            raise SystemExit(f"PostgreSQL at {POSTGRES_URL} does not answer (CI=true: required)")
        log(f"PostgreSQL at {POSTGRES_URL} does not answer: measuring SQLite only")
        chosen.remove("postgresql")
    return chosen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: Debian's Chromium (`make browser`) and the flags every headless run here gives it (tests and bench).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def healthz_seconds(base: str, timeout: float) -> float | None:
    """How long /healthz took to answer 200, or None if it did not within `timeout`."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=timeout) as response:  # noqa: S310 (loopback)
            return time.monotonic() - started if response.status == 200 else None
    except OSError:
        return None


class AppServer:
    """`gunicorn --config gunicorn.conf.py` (the deployment's settings) on a loopback port, in its own session,
    so that `kill` takes it down as a host that dies: master and workers."""

    def __init__(self, database_url: str, env: dict, log: Path, workers: int = 2):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--workers", str(workers)]
        command += ["--bind", f"127.0.0.1:{self.port}", "wsgi:app"]
        self.log = log.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "DATABASE_URL": database_url},
            start_new_session=True,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        for _ in range(150):
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited before answering")
            if healthz_seconds(self.base, timeout=2) is not None:
                return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in 30 s")

    def kill(self) -> None:
        """As a host that dies: SIGKILL to the master and its workers, no request finished, nothing cleaned up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def start_worker(env: dict, log: Path, periodic: bool = False) -> subprocess.Popen:
    """`huey_consumer fieldapp.worker.huey`, as each host runs it beside gunicorn (README "The queue"), in `env`.

    -m 0.2: an idle worker looks at the queue five times a second; without `periodic`, -n: no periodic tasks
    (the caller runs them); with it, the worker's scheduler looks after jobs every minute, as deployed.
    """
    command = [sys.executable, "-m", "huey.bin.huey_consumer", "fieldapp.worker.huey", "-w", "1", "-d", "0.05"]
    command += ["-m", "0.2"] + ([] if periodic else ["-n"])
    with log.open("ab") as output:  # the worker holds its own copy of the file
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def send_visit(base: str, key: str, body: dict, timeout: float = 10, errors: list | None = None) -> int | None:
    """The API's status for this visit, or None when the server did not answer (refused, reset, timed out: the
    error's name goes in `errors`)."""
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}/api/v1/visits",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        if errors is not None:
            errors.append(type(getattr(error, "reason", error)).__name__)
        return None


def failed_login(base: str, username: str) -> int:
    """One wrong password for `username`, as a browser sends it (its own cookies, the form's CSRF token)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{base}/login", timeout=10) as page:
        token = CSRF.search(page.read().decode()).group(1)
    data = urllib.parse.urlencode({"username": username, "password": "a-wrong-guess", "csrf_token": token})
    try:
        with opener.open(f"{base}/login", data=data.encode(), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Server:
    """A real gunicorn process on loopback, serving `app` (e.g. "wsgi:app") on `database_url`."""

    def __init__(self, app: str, database_url: str, worker_class: str = "sync", workers: int = 4, threads: int = 1):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            # Configuration, not a test switch: fifty phones log in from one address here.
            "FIELDAPP_LOGIN_RATE_LIMIT": "100000 per minute",
            # The same for the API's limit per user (120 a minute): each phone here sends a visit every second or so.
            "FIELDAPP_API_RATE_LIMIT": "100000 per minute",
            # Plain http on loopback, as `make run`: Secure-only cookies would never come back over it.
            "FIELDAPP_SECURE_COOKIES": "0",
            # One machine, several workers, limits in memory (as `make run`): gunicorn.conf.py warns, not refuses.
            "FIELDAPP_ALLOW_MEMORY_LIMITS": "1",
            # The demo district is expected here, as under `make run`: no warning about its accounts.
            "FIELDAPP_DEMO_RUN": "1",
        }
        command = [
            str(BIN / "gunicorn"),
            f"--workers={workers}",
            f"--worker-class={worker_class}",
            f"--threads={threads}",
            f"--bind=127.0.0.1:{self.port}",
            "--backlog=2048",
            "--log-level=warning",
            "--preload",  # import the app once, then fork: workers are ready in a second
            app,
        ]
        RESULTS.mkdir(exist_ok=True)
        #: gunicorn's own log (warnings and errors), kept in bench/results/ (not committed) to read after a run.
        #: Quick shutdown at the end of a run aborts requests still queued: their tracebacks land here.
        self.log_path = RESULTS / f"gunicorn-{app.split(':')[0].split('.')[-1]}.log"
        self.log_file = self.log_path.open("a")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, start_new_session=True, stdout=self.log_file, stderr=subprocess.STDOUT
        )

    def wait_ready(self, path: str = "/healthz", timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited before answering")
            try:
                with urllib.request.urlopen(self.base + path, timeout=2):  # noqa: S310 (loopback)
                    return
            except urllib.error.HTTPError:
                return  # answering at all is ready (e.g. 405 on a POST-only path)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)  # quick shutdown: the run is over
            try:
                self.process.wait(timeout=1)
            except subprocess.TimeoutExpired:  # workers idling in their accept loop; nothing left to save
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()

    def __enter__(self):
        try:
            self.wait_ready()
        except Exception:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc):
        self.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


class Phone:
    """One logged-in phone talking HTTP to the server: cookies, real CSRF tokens from real pages."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self, path: str) -> str:
        status, html = self.request(path)
        match = CSRF.search(html)
        if not match:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {status})")
        return match.group(1)

    def login(self, username: str, password: str = BENCH_PASSWORD) -> None:
        token = self.csrf("/login")
        status, _html = self.request("/login", {"csrf_token": token, "username": username, "password": password})
        if status != 303:
            raise RuntimeError(f"login as {username} answered {status}")

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)


_demo_template: dict = {}


def demo_database(folder: str) -> dict:
    """A copy of the demo district (made once per process) in `folder`: its URL and a door to visit.

    The door is the first not yet covered household of 城关派出所, the demo volunteer's station.
    """
    import sqlite3

    if not _demo_template:
        from flask_migrate import upgrade
        from sqlalchemy import select

        from fieldapp import create_app
        from fieldapp.demo import load_demo
        from fieldapp.extensions import db
        from fieldapp.models import Area, Site

        keep = tempfile.TemporaryDirectory(prefix="fieldapp-demo-")
        path = Path(keep.name) / "demo.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": SECRET_KEY})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            load_demo()
            station = db.session.scalar(select(Area).where(Area.name == "城关派出所"))
            site = db.session.scalar(
                select(Site)
                .join(Area, Area.id == Site.building_id)
                .where(Area.path.startswith(station.path), Site.covered_by_visit_id.is_(None))
                .order_by(Site.id)
            )
            _demo_template.update(
                keep=keep, path=path, token=site.active_tag.token, building_id=site.building_id, station_id=station.id
            )
            db.session.remove()
            db.engine.dispose()
    target = Path(folder) / "demo.sqlite"
    # The backup API copies what the WAL holds too, which a plain file copy could miss.
    with sqlite3.connect(_demo_template["path"]) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return {"url": f"sqlite:///{target}", **{k: _demo_template[k] for k in ("token", "building_id", "station_id")}}
