"""accessrace's Hydra sweeper (a Hydra plugin: Hydra finds sweepers in this namespace)."""
