"""Images (posters, stills, logos, photos) and their renditions."""
