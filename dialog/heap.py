"""The web process's heap after start-up: what the cyclic garbage collector scans, and how often."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Exclude every object alive now (modules, the app, SQLAlchemy's mappers ...) from future collections.

    Those ~185k objects live as long as the process, yet every full collection walked them: with
    connections arriving by the thousand (a reconnect storm), full collections ran every few hundred
    connects and took a quarter of the CPU of connecting. Called once the worker is ready to serve;
    garbage made later is collected as before.
    """
    gc.collect()  # what start-up left behind goes now, not into the frozen heap for good
    gc.freeze()


# Young collections as CPython's default (700 allocations, every 10th of them a middle one); a full
# collection after 100 middle ones instead of 10 (CPython still also waits for the long-lived heap
# to grow by a quarter).
THRESHOLDS = (700, 10, 100)


def collect_fully_less_often() -> None:
    """Run full collections a tenth as often: each walks every connection's objects.

    Connecting thousands of /live clients, CPython's default ran a full collection every ~1,000
    connects (ten middle collections), each walking all the connections so far: 0.66 s of 9 s of
    CPU for 6,000 clients, growing with the square of their number. What a young collection
    frees (nearly all garbage) is freed as promptly as before.
    """
    gc.set_threshold(*THRESHOLDS)
