"""Network layer: interaction networks (who replies to / mentions whom)."""

from peelian.network.interactions import InteractionNetwork, degree_centralization, robustness, role_mixing

__all__ = ["InteractionNetwork", "degree_centralization", "robustness", "role_mixing"]
