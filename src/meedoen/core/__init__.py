"""Shared pieces every module stands on: audit log, access checks, request ids, base pages."""
