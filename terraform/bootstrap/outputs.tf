output "bucket" {
  description = "Name of the state bucket: the `bucket` of every environments/<env>.backend.hcl (or TF_STATE_BUCKET)."
  value       = aws_s3_bucket.state.bucket
}

output "region" {
  description = "Region of the state bucket: the `region` of the backend files."
  value       = data.aws_region.current.name
}
