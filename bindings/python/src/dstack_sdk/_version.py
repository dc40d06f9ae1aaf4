"""The package version; libdstack must be of the same major.minor (checked at load)."""

__version__ = "0.1.0"
