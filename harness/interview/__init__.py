"""Interview practice: system-design prompts from the skill guide, each with a rubric to score
your own answer against and a sample answer outline (`python -m harness interview`)."""
