"""Compliance framework data files (``<id>/<version>.yaml``), loaded by ``domain.frameworks``."""
