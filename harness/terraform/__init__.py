"""Offline Terraform: a stand-in hashicorp/aws provider, an AWS emulator, and a CLI wrapper."""
