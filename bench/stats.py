"""Benchmark: the monthly per-commune satisfaction table over 1,000,000 survey responses.

    python bench/stats.py [--responses 1000000] [--postgres postgresql+asyncpg://postgres@127.0.0.1/x]

Fills a fresh database with responses spread over 12 months and 100 communes (about 7% of them
unfinished, 5% un-counted repeats), then times `storage.stats.satisfaction` for one month by
commune (with Wilson intervals) and for the whole year by month and commune. The baseline is the
same month table with the covering index dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage import db, stats

INDEX = "ix_survey_responses_completed_commune"
COLUMNS = (
    "survey_id", "survey_version", "channel", "province_code", "commune_code", "procedure_code",
    "answers", "status", "satisfied", "counted", "started_at", "updated_at", "completed_at",
)  # fmt: skip


def rows(count: int, seed: int = 7) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    start = datetime(2025, 12, 31, 17, tzinfo=UTC)  # 1 Jan 2026, Vietnam time
    communes = [f"{18000 + i * 7:05d}" for i in range(100)]
    out = []
    for _ in range(count):
        at = start + timedelta(seconds=rng.randrange(365 * 86400))
        complete = rng.random() > 0.07
        satisfied = rng.random() < 0.93
        out.append(
            (
                "hai-long", "2026-11-1", rng.choice(("telegram", "zalo", "web")), "42",
                rng.choice(communes), rng.choice(("1.001612", "2.000528", None)),
                '{"overall": "hai-long"}', "complete" if complete else "incomplete",
                satisfied if complete else None, complete and rng.random() > 0.05,
                at, at, at if complete else None,
            )
        )  # fmt: skip
    return out


def fill_sqlite(path: Path, data: list[tuple[object, ...]]) -> None:
    def stamp(value: object) -> object:
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value

    conn = sqlite3.connect(path)
    marks = ", ".join("?" for _ in COLUMNS)
    conn.executemany(
        f"INSERT INTO survey_responses ({', '.join(COLUMNS)}) VALUES ({marks})",
        ([stamp(v) for v in row] for row in data),
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


async def fill_postgres(url: str, data: list[tuple[object, ...]]) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("survey_responses", records=data, columns=COLUMNS)
        # What autovacuum does soon after a bulk load; the visibility map allows index-only scans.
        await conn.execute("VACUUM ANALYZE survey_responses")
    finally:
        await conn.close()


async def timed(url: str, runs: int = 7) -> dict[str, float]:
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    start, end = stats.month_range("2026-06")
    year = stats.month_range("2026-01")[0], stats.month_range("2026-12")[1]
    results: dict[str, float] = {}

    async def measure(label: str, by: list[str], period: tuple[datetime, datetime]) -> None:
        times = []
        for _ in range(runs):
            async with sessions() as session:
                began = time.perf_counter()
                table = await stats.satisfaction(session, start=period[0], end=period[1], by=by)
                times.append(time.perf_counter() - began)
        results[label] = statistics.median(times)
        results[label + " rows"] = len(table)

    await measure("month by commune", ["commune"], (start, end))
    await measure("year by month and commune", ["month", "commune"], year)
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP INDEX {INDEX}"))
    await measure("baseline: month by commune, no index", ["commune"], (start, end))
    await engine.dispose()
    return results


def report(backend: str, results: dict[str, float]) -> None:
    for label, value in results.items():
        shown = f"{value:.0f}" if label.endswith("rows") else f"{value * 1000:.1f} ms"
        print(f"{backend}: {label}: {shown}", flush=True)


async def bench_sqlite(data: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        await db.upgrade(url)
        began = time.perf_counter()
        fill_sqlite(path, data)
        print(f"sqlite: filled in {time.perf_counter() - began:.1f} s", flush=True)
        report("sqlite", await timed(url))


async def bench_postgres(server: str, data: list[tuple[object, ...]]) -> None:
    name = f"dvcbot_bench_{random.randrange(10**6)}"
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        await db.upgrade(url)
        began = time.perf_counter()
        await fill_postgres(url, data)
        print(f"postgres: filled in {time.perf_counter() - began:.1f} s", flush=True)
        report("postgres", await timed(url))
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="a server URL; a scratch database is created on it")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    args = parser.parse_args()
    began = time.perf_counter()
    data = rows(args.responses)
    print(f"generated {len(data):,} responses in {time.perf_counter() - began:.1f} s", flush=True)
    if not args.no_sqlite:
        await bench_sqlite(data)
    if args.postgres:
        await bench_postgres(args.postgres, data)


if __name__ == "__main__":
    asyncio.run(main())
