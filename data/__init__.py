"""Real-world data for calibrating and validating the model (see README.md here), installed
as the package ``accessrace_data`` (see pyproject.toml) so that a wheel carries it; find it
with ``sim.config.files.data_dir()``."""
