"""Benchmarks: ``python -m bench`` prints speed and memory figures against a baseline."""
