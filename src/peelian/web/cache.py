"""An in-process cache for heavy aggregates, invalidated by anything that changes the data.

The key includes a cheap "data version" of the project: the latest import id,
the number of codings, gold labels, predictions, models and handled posts, and
the registry size. An import, a coding or a new model changes the version, so
cached dashboards never outlive the data they were computed from.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from peelian.store.project import Project

T = TypeVar("T")
log = logging.getLogger("peelian.web")

VERSION_SQL = (
    "SELECT (SELECT coalesce(max(import_id), 0) FROM imports), (SELECT count(*) FROM codings), "
    "(SELECT count(*) FROM gold), (SELECT count(*) FROM models), (SELECT count(*) FROM handled), "
    "(SELECT count(*) FROM registry), (SELECT count(*) FROM expectations), "
    "(SELECT count(*) FROM predictions)"
)


class ProjectCache:
    """LRU of computed values keyed by (name, arguments, data version)."""

    def __init__(self, project: Project, max_entries: int = 256, version_ttl: float = 1.0):
        self.project = project
        self.max_entries = max_entries
        self.version_ttl = version_ttl
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] = ()
        self._version_at = 0.0
        self.hits = 0
        self.misses = 0

    def version(self) -> tuple[Any, ...]:
        """The data version, re-read at most once per `version_ttl` seconds (it costs a few small queries)."""
        now = time.monotonic()
        if now - self._version_at > self.version_ttl:
            cur = self.project.cursor()
            try:
                self._version = tuple(cur.execute(VERSION_SQL).fetchone() or ())
            finally:
                cur.close()
            self._version_at = now
        return self._version

    def invalidate(self) -> None:
        """Forget the version so the next read sees a write made by this process at once."""
        self._version_at = 0.0

    def get(self, name: str, key: Hashable, compute: Callable[[], T]) -> T:
        full_key = (name, key, self.version())
        with self._lock:
            if full_key in self._entries:
                self._entries.move_to_end(full_key)
                self.hits += 1
                return self._entries[full_key]
        value = compute()
        with self._lock:
            self.misses += 1
            self._entries[full_key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def peek(self, name: str, key: Hashable) -> Any | None:
        """The cached value for the current data version, or None; never computes."""
        full_key = (name, key, self.version())
        with self._lock:
            return self._entries.get(full_key)


class BackgroundWork:
    """Long computations (a fit, the rollup) run in a daemon thread, one per name at a time, so a
    page can answer at once with a progress indicator instead of holding the browser for minutes."""

    def __init__(self) -> None:
        self._threads: dict[Hashable, threading.Thread] = {}
        self._errors: dict[Hashable, Exception] = {}
        self._lock = threading.Lock()

    def start(self, name: Hashable, work: Callable[[], Any]) -> None:
        """Run `work` unless the same-named work is still running; its errors go to the log (the page
        that asked recomputes and shows them when it asks again)."""
        def run() -> None:
            try:
                work()
            except Exception as exc:  # kept for the page that asked, which raises it when it asks again
                log.info("background work %r failed: %s", name, exc)
                with self._lock:
                    self._errors[name] = exc

        with self._lock:
            thread = self._threads.get(name)
            if thread is not None and thread.is_alive():
                return
            self._errors.pop(name, None)
            thread = threading.Thread(target=run, name=f"peelian-{name}", daemon=True)
            self._threads[name] = thread
            thread.start()

    def raise_failure(self, name: Hashable) -> None:
        """Raise (once) the error the last run of `name` ended with, if it failed."""
        with self._lock:
            exc = self._errors.pop(name, None)
        if exc is not None:
            raise exc

    def join(self, name: Hashable, timeout: float) -> None:
        """Wait at most `timeout` seconds for the running work `name` (if any) to end."""
        with self._lock:
            thread = self._threads.get(name)
        if thread is not None:
            thread.join(timeout)

    def running(self, name: Hashable) -> bool:
        with self._lock:
            thread = self._threads.get(name)
            return thread is not None and thread.is_alive()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for every running work (tests, shutdown)."""
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout)
