"""`python -m harness.terraform.aws_provider`: what the mirror's launcher runs."""

from .plugin import main

main()
