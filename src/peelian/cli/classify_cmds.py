"""Commands of this layer (registered on the root app in peelian.cli.app)."""
