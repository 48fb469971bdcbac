"""Data: the corpora models learn from (built-in and a user's folder, cached) and the idea library."""
