"""Seasons and episodes of series."""
