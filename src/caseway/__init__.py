"""Caseway: the platform a medical association and its member centers of excellence work in."""

__version__ = "0.1.0"
