"""TV channels and their airings (the guide)."""
