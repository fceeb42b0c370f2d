"""Break-fix drills: a passing solution with one realistic fault injected, an incident-style
scenario, a timer, and the project's own checks to judge the fix (`python -m harness drill`)."""
