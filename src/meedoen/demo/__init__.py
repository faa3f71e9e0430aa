"""Demo data and the demo persona switcher. Never enabled in production."""
