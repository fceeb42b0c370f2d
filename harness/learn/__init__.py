"""The learner's loop: progress saved between runs, hints that go deeper, watch mode,
resetting an exercise, and Exercism-format results."""
