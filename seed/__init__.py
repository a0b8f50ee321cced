"""Seed data: the example title, the curated catalogue and a synthetic generator."""
