# A throw-away development environment: cheap, easy to destroy, open to any browser origin.
environment               = "dev"
stage_name                = "dev"
table_deletion_protection = false
log_level                 = "DEBUG"
log_retention_days        = 14
cors_allowed_origins      = ["*"]
waf_enabled               = false
throttling_rate_limit     = 20
throttling_burst_limit    = 40
usage_plan_quota_limit    = 10000
usage_plan_quota_period   = "DAY"
