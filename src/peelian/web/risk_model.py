"""The inbox's semantic risk layer without the wait: its sentence-embedding model takes seconds to load
(torch and the network, once per process), and the inbox must answer at once.

`peelian serve` starts loading the model in the background when the project has citizen posts for the
inbox (`warm_risk_model`, beside the dashboard's warm-up). Until the model is loaded the inbox shows the
keyword rules' result with a progress note (`loading_note`), starting the load itself if nothing has,
and its note asks again every two seconds until it can say the semantic layer is ready. Where the
model is not installed the rules run alone and the inbox says so, as before; where it fails to load,
the note says why and the rules keep running alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from peelian.store.project import Project

log = logging.getLogger("peelian.web")

# One short post, run through the layer so that the model and the prototypes' embeddings are ready.
WARM_TEXT = "someone has collapsed outside the station and is not breathing"
LOADING = ("immediate risk found by the keyword rules alone for now: the semantic layer's model is loading "
           "(seconds, once after the server starts)")
FAILED = "immediate risk found by the keyword rules alone: the semantic layer's model could not be loaded ({})"


def _load_model() -> None:
    from peelian.triage import detect

    detect([WARM_TEXT], semantic=True)


class ModelLoad:
    """Loading the model in a thread of its own, once per process (the model is shared by every app in it)."""

    def __init__(self, load: Callable[[], Any] = _load_model) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.loaded = threading.Event()
        self.error: Exception | None = None

    def start(self) -> None:
        """Start loading unless it is loaded, loading or has failed."""
        with self._lock:
            if self.loaded.is_set() or self.error is not None or self._thread is not None:
                return
            # not a daemon: a load cut off at exit aborts the process inside torch; it ends in seconds anyway
            self._thread = threading.Thread(target=self._run, name="peelian-risk-model", daemon=False)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._load()
        except Exception as exc:  # shown in the inbox's note; the rules keep running alone
            log.warning("the semantic risk layer's model could not be loaded: %s", exc)
            self.error = exc
        else:
            self.loaded.set()


MODEL = ModelLoad()


def loading_note() -> str | None:
    """None when the inbox may run the semantic layer in the request (its model is loaded, or not installed
    and the rules run alone anyway); else why it runs the rules alone for now, with the load started."""
    from peelian.triage import semantic

    if MODEL.loaded.is_set() or not semantic.available():
        return None
    if MODEL.error is not None:
        return FAILED.format(MODEL.error)
    MODEL.start()
    return LOADING


def has_inbound(project: Project) -> bool:
    """Whether the project has citizen posts, the inbox's candidates (one row read at most)."""
    cur = project.cursor()
    try:
        return cur.execute("SELECT EXISTS (SELECT 1 FROM posts WHERE author_role = 'citizen')").fetchone()[0]
    finally:
        cur.close()


def warm_risk_model(project: Project) -> None:
    """At server start: load the model in the background where the inbox will have posts to read."""
    from peelian.triage import semantic

    if semantic.available() and has_inbound(project):
        MODEL.start()
