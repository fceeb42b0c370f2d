terraform {
  required_version = ">= 1.5"
}

variable "environment" {
  type    = string
  default = "staging"
}

resource "terraform_data" "model_bucket" {
  input = "ml-models-${var.environment}"
}

output "model_bucket" {
  value = terraform_data.model_bucket.output
}
