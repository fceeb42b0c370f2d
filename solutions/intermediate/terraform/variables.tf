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

# No default on purpose: whoever runs Terraform must say where SSH may come
# from (in CI, the runner's address). Opening port 22 to the whole internet
# invites every scanner and password-guessing bot, so that is refused.
variable "allowed_ssh_cidr" {
  description = "The only CIDR block allowed to reach the instance over SSH, e.g. 203.0.113.7/32."
  type        = string

  validation {
    condition     = can(cidrhost(var.allowed_ssh_cidr, 0))
    error_message = "allowed_ssh_cidr must be a valid CIDR block, such as 203.0.113.7/32."
  }

  validation {
    condition     = var.allowed_ssh_cidr != "0.0.0.0/0"
    error_message = "allowed_ssh_cidr must not be 0.0.0.0/0: never open SSH to the whole internet."
  }
}

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
