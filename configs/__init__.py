"""The Hydra configs, installed as the package ``accessrace_configs`` (see pyproject.toml)
so that a wheel carries them; find them with ``sim.config.files.config_dir()``."""
