output "bucket" {
  description = "Name of the state bucket: the `bucket` of every environments/<env>.backend.hcl (or TF_STATE_BUCKET)."
  value       = aws_s3_bucket.state.bucket
}

output "region" {
  description = "Region of the state bucket: the `region` of the backend files."
  value       = data.aws_region.current.name
}

output "api_gateway_cloudwatch_role_name" {
  description = "The role the region's API Gateway account setting points at; each environment checks that it exists (null when manage_api_gateway_account = false)."
  value       = one(aws_iam_role.api_gateway_cloudwatch[*].name)
}
