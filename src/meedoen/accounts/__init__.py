"""Accounts: staff login with a second factor, OIDC for staff and for residents via DigiD."""
