"""Benchmarks of the function and the local stack; run with ``make bench``."""
