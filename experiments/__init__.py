"""Hydra entry points: thin wrappers that compose a config and call `sim`."""
