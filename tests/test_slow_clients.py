"""`make run` survives slow clients on its own (issue 13): connections that send their request body at one byte
a second must not freeze `/healthz`. The server is the very gunicorn command of the Makefile's `run` target, on
a free loopback port and a temporary migrated SQLite database; everything here is bounded and stops by itself."""

import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from bench.common import free_port, healthz_seconds

ROOT = Path(__file__).resolve().parent.parent
SLOW_CONNECTIONS = 4


def make_run_gunicorn(port: int) -> list[str]:
    """The gunicorn line of `make run`, with the Makefile's variables filled in (2 workers, as it has)."""
    makefile = (ROOT / "Makefile").read_text()
    target = makefile[makefile.index("\nrun: install") :]
    line = next(line for line in target.splitlines() if "gunicorn" in line)
    values = {"BIN": str(ROOT / ".venv" / "bin"), "WORKERS": "2", "HOST": "127.0.0.1", "PORT": str(port)}
    line = re.sub(r"\$\((\w+)\)", lambda m: values[m.group(1)], line.strip())
    return [part for part in shlex.split(line) if part not in ("--access-logfile", "-")]


def make_run_exports() -> dict[str, str]:
    """The variables the Makefile's `run` target exports to its commands (`run: export NAME = VALUE`)."""
    makefile = (ROOT / "Makefile").read_text()
    return dict(re.findall(r"^run: export (\w+) \??= (.*)$", makefile, flags=re.M))


def test_slow_request_bodies_do_not_freeze_healthz(sqlite_template, tmp_path):
    database = tmp_path / "fieldapp.sqlite"
    shutil.copy(sqlite_template, database)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **make_run_exports(), "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "test-secret"}
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 (our own Makefile's command, on loopback)
        make_run_gunicorn(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    slow: list[socket.socket] = []
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 60
        while healthz_seconds(base, 2) is None:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
            time.sleep(0.3)

        for _ in range(SLOW_CONNECTIONS):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.sendall(
                b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nu"
            )
            slow.append(connection)

        def trickle():  # one byte a second on each connection, for as long as the test looks
            while not stop.wait(1):
                for connection in slow:
                    with contextlib.suppress(OSError):  # the server may have given up on it: fine
                        connection.sendall(b"x")

        threading.Thread(target=trickle, daemon=True).start()
        time.sleep(2)  # every slow request has reached a worker and is reading its body
        answers = [healthz_seconds(base, 5) for _ in range(3)]
        assert all(seconds is not None and seconds < 3 for seconds in answers), answers
    finally:
        stop.set()
        for connection in slow:
            connection.close()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)  # quick shutdown
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)
        log.close()
