"""Meedoen: a municipality, its partners and its residents prevent and fight poverty together."""

__version__ = "0.1.0"
