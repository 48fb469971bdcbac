"""Lowest layer: where files live (the home folder) and how they are written (atomically)."""
