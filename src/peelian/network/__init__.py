"""Network layer: interaction networks (who replies to / mentions whom)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peelian._lazy import lazy_exports

if TYPE_CHECKING:
    from peelian.network.interactions import InteractionNetwork, degree_centralization, robustness, role_mixing

# Each name's module is imported on first use (see peelian._lazy).
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "interactions": ("InteractionNetwork", "degree_centralization", "robustness", "role_mixing"),
})
