"""Levier tests."""
