"""The package version (imported by the CLI and re-exported as ``lsr_dsl.__version__``)."""
__version__ = "0.1.0"
