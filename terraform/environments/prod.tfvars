# Production: the table cannot be deleted by accident, logs are kept longer and WAF is on.
# Set cors_allowed_origins to the origins of the browser apps that call the API.
environment               = "prod"
stage_name                = "prod"
table_deletion_protection = true
log_level                 = "INFO"
log_retention_days        = 90
cors_allowed_origins      = []
waf_enabled               = true
throttling_rate_limit     = 100
throttling_burst_limit    = 200
usage_plan_quota_limit    = 1000000
usage_plan_quota_period   = "MONTH"

# Where alarms go is a decision, not a default: the plan fails until alarm_email is set here. If the
# alarm topic is subscribed some other way (chat, paging), set alarm_email_required = false instead.
alarm_email_required = true
# alarm_email        = "oncall@example.com"

# Names default to dynamodbmanager-prod-...; to keep serving an existing table (the original system's
# `anything`), name it here and import it before the first apply (README, "Adopt an existing table").
# table_name = "anything"

# Against cold starts, off for what they cost (README, "Against cold starts"): either instances kept
# initialised, billed while configured, or SnapStart, billed per snapshot cached and per restore; not both.
# provisioned_concurrency = 1
# snap_start              = true
