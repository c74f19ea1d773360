"""Network layer: interaction networks (who replies to / mentions whom) and multilayer
inter-organisational networks (organisations tied by agreements, per county and year)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peelian._lazy import lazy_exports

if TYPE_CHECKING:
    from peelian.network.interactions import InteractionNetwork, degree_centralization, robustness, role_mixing
    from peelian.network.multilayer import MultilayerNetworks
    from peelian.network.orgdata import import_agreements, import_organisations
    from peelian.network.panel import panel_model, read_outcomes

# Each name's module is imported on first use (see peelian._lazy).
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "interactions": ("InteractionNetwork", "degree_centralization", "robustness", "role_mixing"),
    "multilayer": ("MultilayerNetworks",),
    "orgdata": ("import_agreements", "import_organisations"),
    "panel": ("panel_model", "read_outcomes"),
})
