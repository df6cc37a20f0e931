"""CPU seconds of one visit-export download, in a fresh process (SQLite is in-process: its work counts too).

Wall time on a shared machine varies 2x between identical runs; CPU time of the downloading process does not.
Run it from the root of each checkout being compared, alternating, against the same database:

    .venv/bin/python -m bench.export_cpu sqlite:///path/to/bench.sqlite xlsx
"""

import json
import sys
import time

from bench.common import SECRET_KEY
from bench.scale_curve import logged_in
from fieldapp import create_app


def main(url: str, kind: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False})
    client = logged_in(app, "admin")
    cpu, wall = time.process_time(), time.perf_counter()
    response = client.get(f"/reports/visits.{kind}?area=1&from=2000-01-01&to=2100-01-01", buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    elapsed = {"cpu_s": round(time.process_time() - cpu, 2), "wall_s": round(time.perf_counter() - wall, 2)}
    print(json.dumps({**elapsed, "bytes": size}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
