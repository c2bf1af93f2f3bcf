# alertgate's two AWS sources as code: an SNS topic for CloudWatch alarms with an HTTPS
# subscription to an aws_cloudwatch integration, and an EventBridge rule that sends AWS events
# through an API destination to an aws_eventbridge integration. The same steps as the README's
# console and CLI sections. Create both integrations first (README, "Admin API") and pass their
# keys in as variables, for example from a secrets manager; never commit them.
#
#   terraform init && terraform apply \
#     -var alertgate_host=alertgate.example.workers.dev \
#     -var cloudwatch_integration_key=agk_... -var eventbridge_integration_key=agk_...

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "alertgate_host" {
  description = "The host alertgate answers at, without scheme or path (alertgate.<subdomain>.workers.dev)."
  type        = string
}

variable "cloudwatch_integration_key" {
  description = "The integration_key of an aws_cloudwatch integration."
  type        = string
  sensitive   = true
}

variable "eventbridge_integration_key" {
  description = "The integration_key of an aws_eventbridge integration."
  type        = string
  sensitive   = true
}

variable "name" {
  description = "Prefix of the AWS resources' names."
  type        = string
  default     = "alertgate"
}

# --- CloudWatch alarms over SNS -------------------------------------------------------------

# A Standard topic (SNS does not deliver FIFO topics to HTTPS) signing with SHA-256, which an
# integration with "min_signature_version": 2 requires.
resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  signature_version = 2
}

# The key travels as the Basic-auth password, not in the URL path that logs record. alertgate
# confirms the subscription itself within seconds; raw message delivery stays off, because only
# the SNS envelope carries the signature.
resource "aws_sns_topic_subscription" "alertgate" {
  topic_arn              = aws_sns_topic.alarms.arn
  protocol               = "https"
  endpoint               = "https://alertgate:${var.cloudwatch_integration_key}@${var.alertgate_host}/push"
  endpoint_auto_confirms = true
  raw_message_delivery   = false
}

# An example alarm: it notifies the topic on ALARM and on OK. Without the OK action its alert
# could never resolve.
resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name}-example-api-5xx-rate"
  alarm_description   = "5xx above 1% severity=critical"
  namespace           = "AWS/ApiGateway"
  metric_name         = "5XXError"
  dimensions          = { ApiName = "prod-api" }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  threshold           = 1
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# --- EventBridge through an API destination -------------------------------------------------

resource "aws_cloudwatch_event_connection" "alertgate" {
  name               = var.name
  authorization_type = "API_KEY"
  auth_parameters {
    api_key {
      key   = "X-Integration-Key"
      value = var.eventbridge_integration_key
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "alertgate" {
  name                             = var.name
  connection_arn                   = aws_cloudwatch_event_connection.alertgate.arn
  invocation_endpoint              = "https://${var.alertgate_host}/push"
  http_method                      = "POST"
  invocation_rate_limit_per_second = 50
}

resource "aws_iam_role" "invoke_api_destination" {
  name = "${var.name}-invoke-api-destination"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "invoke_api_destination" {
  name = "invoke-api-destination"
  role = aws_iam_role.invoke_api_destination.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "events:InvokeApiDestination"
      Resource = "${aws_cloudwatch_event_api_destination.alertgate.arn}*"
    }]
  })
}

# The AWS events alertgate turns into alerts (README, "From event to alert").
resource "aws_cloudwatch_event_rule" "aws_events" {
  name = "${var.name}-aws-events"
  event_pattern = jsonencode({
    source = ["aws.cloudwatch", "aws.guardduty", "aws.health", "aws.securityhub", "aws.ec2", "aws.ecs", "aws.codepipeline"]
    detail-type = [
      "CloudWatch Alarm State Change", "CloudWatch Alarm Contributor State Change",
      "GuardDuty Finding", "AWS Health Event", "Security Hub Findings - Imported",
      "EC2 Instance State-change Notification", "ECS Task State Change",
      "CodePipeline Pipeline Execution State Change", "CodePipeline Action Execution State Change",
    ]
  })
}

# The event as it is (no input transformer), retried for 24 hours.
resource "aws_cloudwatch_event_target" "alertgate" {
  rule     = aws_cloudwatch_event_rule.aws_events.name
  arn      = aws_cloudwatch_event_api_destination.alertgate.arn
  role_arn = aws_iam_role.invoke_api_destination.arn
  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }
}

output "alarm_topic_arn" {
  description = "Point your alarms' ALARM and OK actions here."
  value       = aws_sns_topic.alarms.arn
}
