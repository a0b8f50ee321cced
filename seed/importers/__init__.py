"""Importers of real data: TVmaze's JSON and IMDb's TSV datasets (python -m seed import)."""
