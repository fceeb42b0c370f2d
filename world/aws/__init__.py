"""AWS emulators the learner's Terraform applies against: moto in its own process (default,
offline) or LocalStack where it runs."""
