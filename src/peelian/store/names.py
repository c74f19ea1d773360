"""Names the store checks values against, in a module that imports nothing.

The CLI puts them in its options' help, so they are read when `peelian --help` builds; kept here, the
CLI does not load DuckDB (or argon2) just to list its commands (`tests/cli/test_startup.py`).
"""

from __future__ import annotations

EXPORTABLE = ("posts", "accounts", "mentions", "registry", "imports", "quarantine", "notices", "codings", "gold",
              "predictions", "samples", "sample_items", "expectations", "codebooks", "models", "audit_log")
USER_ROLES = ("admin", "analyst", "coder", "viewer")
MIN_PASSWORD_LENGTH = 12  # NIST SP 800-63B for passwords that are the only factor
LOWEST_MIN_PASSWORD_LENGTH = 8  # what an operator may lower it to (NIST's absolute minimum)
