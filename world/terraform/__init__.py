"""Offline Terraform: stand-ins for the hashicorp/aws and hashicorp/kubernetes providers
(written with PyPI `tf`) and the filesystem mirror that installs them for `terraform init`."""
