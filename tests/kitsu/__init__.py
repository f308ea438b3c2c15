"""Tests against a real Kitsu server (started by conftest.py)."""
