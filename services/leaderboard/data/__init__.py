"""Data files the leaderboard reads (a package so setuptools ships them as package data)."""
