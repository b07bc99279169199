locals {
  lambda_log_group_name     = "/aws/lambda/${local.function_name}"
  api_access_log_group_name = "/aws/apigateway/${local.name}/access"
  # API Gateway writes execution logs to this fixed name; creating it here gives it a retention and a key.
  api_execution_log_group_name = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.stage_name}"
  # WAF only delivers to log groups whose name starts with aws-waf-logs-.
  waf_log_group_name = "aws-waf-logs-${local.name}"

  log_group_names = compact([
    local.lambda_log_group_name,
    local.api_access_log_group_name,
    local.api_execution_log_group_name,
    var.waf_enabled ? local.waf_log_group_name : "",
  ])
}

# Created before the function, so Lambda never creates it itself (without retention or key) and a
# re-apply after a destroy does not find an orphaned group in the way.
resource "aws_cloudwatch_log_group" "lambda" {
  name              = local.lambda_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.service.arn
  tags              = local.tags

  #checkov:skip=CKV_AWS_338:Retention is a variable (30 days by default); a year of debug logs is not worth its cost here.
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = local.api_access_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.service.arn
  tags              = local.tags

  #checkov:skip=CKV_AWS_338:Retention is a variable (30 days by default); set log_retention_days for longer.
}

resource "aws_cloudwatch_log_group" "api_execution" {
  name              = local.api_execution_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.service.arn
  tags              = local.tags

  #checkov:skip=CKV_AWS_338:Retention is a variable (30 days by default); set log_retention_days for longer.
}

resource "aws_cloudwatch_log_group" "waf" {
  count = var.waf_enabled ? 1 : 0

  name              = local.waf_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.service.arn
  tags              = local.tags

  #checkov:skip=CKV_AWS_338:Retention is a variable (30 days by default); set log_retention_days for longer.
}
