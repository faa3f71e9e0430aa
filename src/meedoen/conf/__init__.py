"""Settings per environment: base (shared), dev (demo), test, production (hardened)."""
