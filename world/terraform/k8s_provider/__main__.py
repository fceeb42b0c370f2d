"""`python -m world.terraform.k8s_provider`: what the mirror's launcher runs."""

from .plugin import main

main()
