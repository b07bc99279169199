terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # The state bucket cannot keep its own state: this small configuration keeps local state. Keep the
  # terraform.tfstate it writes (or import the bucket again with `terraform import`).
}

provider "aws" {
  region = var.aws_region
}
