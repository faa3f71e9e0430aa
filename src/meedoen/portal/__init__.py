"""Resident pages: find help, check entitlements, see your own data. No login needed to look."""
