"""The run's report and its renderings: terminal, JSON, JUnit XML and Markdown."""

from .model import Report

__all__ = ["Report"]
