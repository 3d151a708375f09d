"""Search latency: p50/p95 of `GET /api/v1/search` over many forum posts, on SQLite and PostgreSQL.

    python bench/search_bench.py --posts 100000 [--quick] [--rounds 20] [--databases sqlite,postgresql]

Each database gets the migrated schema and the demo data, then `--posts` posts (German and
English, ~25 words each, in threads of 50 in the public and the members-only space) written with
Core inserts, then the search index rebuilt from the tables (`services.search.rebuild`, as
`flask dialog reindex` does). The requests go through the real app in this process (Flask's test
client: routing, argument parsing, permission filter, ranking, snippets, JSON; no network), each
query `--rounds` times anonymously and as a logged-in member (who also reads the members-only
space). PostgreSQL is a throwaway cluster started from the machine's binaries
(tools/servers.py); without them its result says why it was skipped. `--quick` is
10,000 posts and 5 rounds. Prints one JSON document; never part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from dialog import create_app, demo  # noqa: E402
from dialog.cli import migrate_database  # noqa: E402
from dialog.extensions import db  # noqa: E402
from events import utcnow  # noqa: E402
from services.forum import Post, Thread  # noqa: E402
from services.identity import Member  # noqa: E402
from services.search import rebuild  # noqa: E402
from services.spaces import Space  # noqa: E402

THREAD_SIZE = 50
WORDS_PER_POST = 25
GERMAN = [
    "Stadt",
    "Quartier",
    "Daten",
    "Plattform",
    "Bürger",
    "Beteiligung",
    "Verwaltung",
    "Mobilität",
    "Energie",
    "Klima",
    "Netz",
    "Sensor",
    "Parken",
    "Verkehr",
    "Wärme",
    "Planung",
    "Modellprojekt",
    "Kommune",
    "Landkreis",
    "Strategie",
    "Offenheit",
    "Schnittstelle",
    "Bürgerbüro",
    "digitale",
    "nachhaltige",
    "gemeinsame",
    "offene",
    "neue",
    "lokale",
    "Erfahrung",
    "Werkstatt",
    "Beirat",
    "Haushalt",
    "Fahrrad",
    "Bahnhof",
]
ENGLISH = [
    "city",
    "district",
    "data",
    "platform",
    "citizen",
    "participation",
    "administration",
    "mobility",
    "energy",
    "climate",
    "network",
    "sensor",
    "parking",
    "traffic",
    "heating",
    "planning",
    "pilot",
    "municipality",
    "county",
    "strategy",
    "openness",
    "interface",
    "workshop",
    "budget",
    "digital",
    "sustainable",
    "shared",
    "open",
    "new",
    "local",
    "experience",
    "bicycle",
    "station",
    "council",
]
# Words planted at known rates, so the queries hit rare, medium and common terms.
PLANTED = (("München", 0.001), ("Straße", 0.05), ("Förderaufruf", 0.01), ("funding", 0.02))
QUERIES = (
    ("common", "Stadt"),
    ("two words", "digitale Plattform"),
    ("medium, ß folding", "Strasse"),
    ("rare, umlaut folding", "Muenchen"),
    ("stemming", "Förderaufrufe"),
    ("english", "funding"),
    ("no hit", "Zeppelin"),
)


def _body(rng: random.Random, lang: str) -> str:
    words = rng.choices(GERMAN if lang == "de" else ENGLISH, k=WORDS_PER_POST)
    for word, rate in PLANTED:
        if rng.random() < rate:
            words[rng.randrange(len(words))] = word
    return "<p>" + " ".join(words) + "</p>"


def fill(posts: int, seed: int = 1) -> None:
    """`posts` posts in threads of THREAD_SIZE, four in five in the public space, the rest members-only."""
    rng = random.Random(seed)
    with db.write() as session:
        author = session.scalar(select(Member.id).where(Member.role == "member"))
        spaces = {s.visibility: s.id for s in session.scalars(select(Space))}
        now = utcnow()
        threads: list[int] = []
        for n in range(0, posts, THREAD_SIZE):
            space = spaces["members"] if n % (5 * THREAD_SIZE) == 0 else spaces["public"]
            count = min(THREAD_SIZE, posts - n)
            thread_id = session.scalars(
                insert(Thread).returning(Thread.id),
                [
                    {
                        "space_id": space,
                        "title": f"Thema {n // THREAD_SIZE}: " + " ".join(rng.choices(GERMAN, k=4)),
                        "author_id": author,
                        "locked": False,
                        "pinned": False,
                        "post_count": count,
                        "created_at": now,
                        "last_post_at": now,
                    }
                ],
            ).one()
            threads.append(thread_id)
            rows = []
            for i in range(count):
                lang = "en" if rng.random() < 0.3 else "de"
                at = now - timedelta(minutes=posts - n - i)
                rows.append(
                    {"thread_id": thread_id, "author_id": author, "language": lang, "body": _body(rng, lang)}
                    | {"created_at": at}
                )
            session.execute(insert(Post), rows)


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "n": len(ordered),
    }


def measure(url: str, posts: int, rounds: int) -> dict[str, Any]:
    """Build the database at `url`, fill and index it, and time the queries."""
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "INSTANCE_PATH": instance,
                "DATABASE_URL": url,
                "EMBEDDED_SCHEDULER": False,
                "LONGPOLL_MAX_WAIT": 0,
                "LOG_LEVEL": "WARNING",
                "RATELIMIT_ENABLED": False,
            }
        )
        try:
            with app.app_context():
                prepared = _prepare(posts)
            # Requests outside the app context: inside one, every request would share its `g`,
            # and with it the first request's caller.
            return {**prepared, **_measure(app, rounds)}
        finally:
            with app.app_context():
                db.dispose()


def _prepare(posts: int) -> dict[str, Any]:
    migrate_database()
    with db.write() as session:
        demo.seed(session)
    started = time.perf_counter()
    fill(posts)
    filled = time.perf_counter() - started
    started = time.perf_counter()
    with db.write() as session:
        entries = rebuild(session)
    indexed = time.perf_counter() - started
    return {"posts": posts, "fill_s": round(filled, 1), "index_s": round(indexed, 1), "index_entries": entries}


def _measure(app: Any, rounds: int) -> dict[str, Any]:
    client = app.test_client()
    token = client.post("/api/v1/auth/tokens", json={"email": demo.DEMO_MEMBERS[3][0], "password": demo.DEMO_PASSWORD})
    headers = {"anonymous": {}, "member": {"Authorization": f"Bearer {token.get_json()['token']}"}}

    def timed(q: str, who: str) -> Callable[[], tuple[float, int]]:
        def once() -> tuple[float, int]:
            t0 = time.perf_counter()
            response = client.get("/api/v1/search", query_string={"q": q, "kind": "posts"}, headers=headers[who])
            elapsed = time.perf_counter() - t0
            assert response.status_code == 200, response.get_data(as_text=True)
            return elapsed, response.get_json()["total"]

        return once

    per_query: dict[str, Any] = {}
    everything: list[float] = []
    for label, q in QUERIES:
        for who in headers:
            once = timed(q, who)
            once()  # warm the caches this query uses
            samples, total = [], 0
            for _ in range(rounds):
                elapsed, total = once()
                samples.append(elapsed)
            everything.extend(samples)
            per_query[f"{label} ({q}) {who}"] = {**_percentiles(samples), "hits": total}
    return {"all": _percentiles(everything), "queries": per_query}


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster's database URL (RuntimeError if the binaries are missing)."""
    from tools.servers import start_postgres

    with tempfile.TemporaryDirectory() as tmp:
        try:
            server = start_postgres(Path(tmp))
        except Exception as exc:  # a missing binary raises ServerUnavailable
            raise RuntimeError(f"no PostgreSQL here: {exc}") from None
        try:
            yield server.create_database("search_bench")
        finally:
            server.remove()


def main() -> None:
    """Run the scenario on each database and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="10,000 posts, 5 rounds")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    posts, rounds = (min(args.posts, 10_000), 5) if args.quick else (args.posts, args.rounds)
    result: dict[str, Any] = {}
    for name in args.databases.split(","):
        print(f"{name}: {posts} posts ...", file=sys.stderr, flush=True)
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                result[name] = measure(f"sqlite:///{Path(tmp) / 'search.sqlite3'}", posts, rounds)
        elif name == "postgresql":
            try:
                with postgres() as url:
                    result[name] = measure(url, posts, rounds)
            except RuntimeError as exc:
                result[name] = {"skipped": str(exc)[:300]}
        else:
            parser.error(f"unknown database {name!r}")
        print(json.dumps({name: result[name].get("all", result[name])}), file=sys.stderr, flush=True)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
