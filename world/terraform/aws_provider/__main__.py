"""`python -m world.terraform.aws_provider`: what the mirror's launcher runs."""

from .plugin import main

main()
