output "instance_id" {
  description = "ID of the API server instance."
  value       = aws_instance.api.id
}

output "instance_public_ip" {
  description = "Public IP address of the API server (SSH and API)."
  value       = aws_instance.api.public_ip
}

output "api_url" {
  description = "Base URL of the deployed API."
  value       = "http://${aws_instance.api.public_ip}:${var.api_port}"
}
