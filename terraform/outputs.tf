output "api_url" {
  description = "Base URL of the API stage; every route is below it."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "rpc_url" {
  description = "URL of the RPC endpoint: POST a payloads/*.json body here."
  value       = "${aws_api_gateway_stage.this.invoke_url}/dynamodbmanager"
}

output "items_url" {
  description = "URL of the REST collection: GET/POST here, GET/PUT/PATCH/DELETE <items_url>/<id>."
  value       = "${aws_api_gateway_stage.this.invoke_url}/items"
}

output "api_auth" {
  description = "How data routes authenticate (API_KEY, AWS_IAM or NONE)."
  value       = var.api_auth
}

output "api_key_id" {
  description = "Id of the default API key (null unless api_auth = API_KEY)."
  value       = one(aws_api_gateway_api_key.this[*].id)
}

output "api_key_value" {
  description = "Value of the default API key, for the x-api-key header: terraform output -raw api_key_value."
  value       = one(aws_api_gateway_api_key.this[*].value)
  sensitive   = true
}

output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "table_name" {
  description = "Name of the DynamoDB table."
  value       = aws_dynamodb_table.items.name
}

output "idempotency_table_name" {
  description = "Name of the DynamoDB table of Idempotency-Key records."
  value       = aws_dynamodb_table.idempotency.name
}

output "log_group_name" {
  description = "The function's log group: aws logs tail <log_group_name> --follow."
  value       = aws_cloudwatch_log_group.lambda.name
}

output "api_access_log_group_name" {
  description = "The API's access log group."
  value       = aws_cloudwatch_log_group.api_access.name
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify; subscribe to it to be told."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_url" {
  description = "CloudWatch dashboard with the service's key graphs."
  value       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards:name=${aws_cloudwatch_dashboard.service.dashboard_name}"
}

output "function_alias_arn" {
  description = "ARN of the alias `live` API Gateway invokes when provisioned_concurrency or snap_start is on (its function_version is the newest published one); null when both are off and API Gateway invokes the function itself."
  value       = one(aws_lambda_alias.live[*].arn)
}
