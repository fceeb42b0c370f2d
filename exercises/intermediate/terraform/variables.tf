variable "region" {
  description = "AWS region to create the environment in."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Name prefix for every resource, and the Project tag."
  type        = string
  default     = "iris-api"
}

# TODO(kata): add a variable `allowed_ssh_cidr` (a string, no default) for the
# one address range that may reach the instance over SSH. Give it validation
# blocks that reject anything that is not a CIDR block (hint: can(cidrhost(...)))
# and reject "0.0.0.0/0".

# A public key is not a secret (only the private half is), so it is not
# marked sensitive and shows in plans and logs.
variable "public_key" {
  description = "OpenSSH public key installed for the `ubuntu` user (the pipeline makes a new one per run)."
  type        = string
  sensitive   = false
}

variable "instance_type" {
  description = "EC2 instance type of the API server."
  type        = string
  default     = "t3.micro"
}

variable "api_port" {
  description = "TCP port the API listens on, open to everyone."
  type        = number
  default     = 8000
}

variable "vpc_cidr" {
  description = "Address range of the VPC."
  type        = string
  default     = "10.42.0.0/16"
}

variable "public_subnet_cidr" {
  description = "Address range of the public subnet (inside vpc_cidr)."
  type        = string
  default     = "10.42.1.0/24"
}
