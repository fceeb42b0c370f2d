"""The kata harness: runs a learner's real pipeline locally and grades what it produced."""

__version__ = "0.1.0"
