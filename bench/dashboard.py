"""Benchmark: dashboard pages and the XLSX export on demo data, against the bare statistics.

Run: python bench/dashboard.py [--months 6] [--communes 20] [--requests 20]
Seeds demo data into a fresh SQLite file, signs an admin in, then times GET /dashboard (six
months: statistics, an SVG chart, templates), /dashboard/satisfaction, the XLSX download and one
CSV download over real HTTP. The baseline ("stats") is the statistics queries the overview
needs, without HTTP, charts or templates: what the page cannot avoid.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp.test_utils import TestClient, TestServer

from bot.config import load_settings
from bot.reports import figures
from bot.reports import query as queries
from bot.reports.labels import Names, communes_of
from bot.web.app import create_app
from storage import contacts, dashboard, db, demo, roles, stats
from storage.access import Scope
from storage.models import utcnow


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def run(months: int, communes: int, requests: int) -> None:
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await db.upgrade(url)
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    t0 = time.perf_counter()
    async with sessions() as session, session.begin():
        seeded = await demo.seed(
            session,
            places=communes_of(demo.PROVINCE)[:communes],
            months=months,
            now=utcnow(),
            rng=random.Random(1),
        )
        admin, _ = await contacts.get_or_create(session, "console", "admin", "admin")
        await roles.grant(session, admin.id, "admin", actor="bench")
        link = await dashboard.issue_link(
            session, admin.id, secret="bench", base_url="", now=utcnow()
        )
    print(
        f"seed : {seeded.responses} answers, {seeded.events} events "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    query = queries.parse_query({}, utcnow(), stats.DEFAULT_TARGET)
    scope = Scope("admin")
    base: list[float] = []
    for _ in range(requests):
        t0 = time.perf_counter()
        async with sessions() as session:
            month = query.month_only(query.last)
            await figures.overall_rate(session, scope, month)
            await figures.satisfaction_table(session, scope, query, "month", Names())
            await figures.funnel_table(session, scope, month, "", Names())
        base.append(time.perf_counter() - t0)

    app = create_app(load_settings(database_url=url, secret="bench"))
    async with TestClient(TestServer(app)) as client:
        token = link.split("t=", 1)[1]
        await client.post("/dashboard/login", data={"t": token}, allow_redirects=False)
        timings: dict[str, list[float]] = {}
        for path in (
            "/dashboard",
            "/dashboard/satisfaction",
            "/dashboard/export/report.xlsx",
            "/dashboard/export/broadcasts.csv",
        ):
            timings[path] = []
            for _ in range(requests):
                t0 = time.perf_counter()
                response = await client.get(path)
                await response.read()
                assert response.status == 200, path
                timings[path].append(time.perf_counter() - t0)
    await engine.dispose()
    floor = statistics.median(base)
    print(f"stats: p50 {floor * 1000:7.1f} ms  p95 {p(base, 0.95):7.1f} ms")
    for path, values in timings.items():
        median = statistics.median(values)
        print(
            f"{path:32s} p50 {median * 1000:7.1f} ms  p95 {p(values, 0.95):7.1f} ms  "
            f"ratio to stats {median / floor:5.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--communes", type=int, default=20)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.months, args.communes, args.requests))


if __name__ == "__main__":
    main()
