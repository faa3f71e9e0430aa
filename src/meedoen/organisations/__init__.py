"""Tenants and partners: municipalities, the organisations that work with them, and staff roles."""
