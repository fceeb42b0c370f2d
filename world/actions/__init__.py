"""Offline stand-ins for remote GitHub Actions, and helpers to use them with act."""
