"""Reproducible benchmarks of Meedoen: ``make bench`` or ``python -m bench``."""
