"""Data files the corpus sources read (a package, so setuptools ships them as package data)."""
