# Credentials, region overrides and endpoints come from the environment
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL),
# never from this file.
provider "aws" {
  region = var.region

  # Every resource is tagged with what made it and for which workspace, so a
  # leftover resource can always be traced back to its run.
  default_tags {
    tags = {
      Project   = var.project
      ManagedBy = "terraform"
      Workspace = terraform.workspace
    }
  }
}

# Names include terraform.workspace, so resources made in different
# workspaces never share a name.
locals {
  name = "${var.project}-${terraform.workspace}"
}

data "aws_availability_zones" "available" {}

# The newest official Ubuntu server image (099720109477 is Canonical's account).
data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"]

  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd*/ubuntu-*-amd64-server-*"]
  }
}

# --- Network: a VPC with one public subnet routed to the internet ---------

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true

  tags = {
    Name = local.name
  }
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = var.public_subnet_cidr
  availability_zone       = data.aws_availability_zones.available.names[0]
  map_public_ip_on_launch = true

  tags = {
    Name = "${local.name}-public"
  }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id

  tags = {
    Name = local.name
  }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }

  tags = {
    Name = "${local.name}-public"
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

# --- Firewall ----------------------------------------------------------------

resource "aws_security_group" "api" {
  name        = local.name
  description = "Iris API: public API port and SSH"
  vpc_id      = aws_vpc.main.id

  # TODO(kata): this lets the whole internet knock on port 22. Allow SSH only
  # from var.allowed_ssh_cidr (add that variable in variables.tf first).
  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "Prediction API"
    from_port   = var.api_port
    to_port     = var.api_port
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "All outbound (package and image downloads)"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = {
    Name = local.name
  }
}

# --- The server ------------------------------------------------------------

# The public half of the key the pipeline generated for this run.
resource "aws_key_pair" "deploy" {
  key_name   = local.name
  public_key = var.public_key
}

resource "aws_instance" "api" {
  ami                         = data.aws_ami.ubuntu.id
  instance_type               = var.instance_type
  subnet_id                   = aws_subnet.public.id
  vpc_security_group_ids      = [aws_security_group.api.id]
  key_name                    = aws_key_pair.deploy.key_name
  associate_public_ip_address = true

  tags = {
    Name = local.name
  }
}
