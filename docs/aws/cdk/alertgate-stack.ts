// alertgate's two AWS sources with the AWS CDK (aws-cdk-lib v2): an SNS topic for CloudWatch
// alarms with an HTTPS subscription to an aws_cloudwatch integration, and an EventBridge rule
// that sends AWS events through an API destination to an aws_eventbridge integration. The same
// steps as the README's console and CLI sections, and as ../terraform/main.tf.
//
// Create both integrations first (README, "Admin API") and store their keys in Secrets Manager
// as plain-text secrets named below; the stack reads them at deploy time, so they never sit in
// code or in the synthesized template's parameters.
import { Duration, SecretValue, Stack, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";

export interface AlertgateProps extends StackProps {
	/** The host alertgate answers at, without scheme or path (alertgate.<subdomain>.workers.dev). */
	alertgateHost: string;
	/** Secrets Manager names of the integrations' keys. */
	cloudwatchKeySecret: string;
	eventbridgeKeySecret: string;
}

export class AlertgateStack extends Stack {
	constructor(scope: Construct, id: string, props: AlertgateProps) {
		super(scope, id, props);

		// --- CloudWatch alarms over SNS ---------------------------------------------------------
		// A Standard topic signing with SHA-256 (what "min_signature_version": 2 requires).
		const topic = new sns.Topic(this, "Alarms", {
			signatureVersion: "2",
		});
		// The key travels as the Basic-auth password, not in the URL path that logs record.
		// alertgate confirms the subscription itself; raw message delivery stays off, because only
		// the SNS envelope carries the signature.
		const cloudwatchKey = SecretValue.secretsManager(props.cloudwatchKeySecret).unsafeUnwrap();
		topic.addSubscription(
			new subscriptions.UrlSubscription(
				`https://alertgate:${cloudwatchKey}@${props.alertgateHost}/push`,
				{ protocol: sns.SubscriptionProtocol.HTTPS, rawMessageDelivery: false },
			),
		);

		// An example alarm: it notifies the topic on ALARM and on OK. Without the OK action its
		// alert could never resolve.
		const alarm = new cloudwatch.Alarm(this, "Api5xxRate", {
			alarmDescription: "5xx above 1% severity=critical",
			metric: new cloudwatch.Metric({
				namespace: "AWS/ApiGateway",
				metricName: "5XXError",
				dimensionsMap: { ApiName: "prod-api" },
				statistic: "Average",
				period: Duration.minutes(1),
			}),
			evaluationPeriods: 5,
			threshold: 1,
			comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
		});
		alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
		alarm.addOkAction(new cloudwatchActions.SnsAction(topic));

		// --- EventBridge through an API destination ---------------------------------------------
		const connection = new events.Connection(this, "Connection", {
			authorization: events.Authorization.apiKey(
				"X-Integration-Key",
				SecretValue.secretsManager(props.eventbridgeKeySecret),
			),
		});
		const destination = new events.ApiDestination(this, "Destination", {
			connection,
			endpoint: `https://${props.alertgateHost}/push`,
			httpMethod: events.HttpMethod.POST,
			rateLimitPerSecond: 50,
		});
		// The AWS events alertgate turns into alerts (README, "From event to alert"), sent as they
		// are (no input transformer) and retried for 24 hours. The target makes the role that
		// invokes the API destination.
		new events.Rule(this, "AwsEvents", {
			eventPattern: {
				source: [
					"aws.cloudwatch",
					"aws.guardduty",
					"aws.health",
					"aws.securityhub",
					"aws.ec2",
					"aws.ecs",
					"aws.codepipeline",
				],
				detailType: [
					"CloudWatch Alarm State Change",
					"CloudWatch Alarm Contributor State Change",
					"GuardDuty Finding",
					"AWS Health Event",
					"Security Hub Findings - Imported",
					"EC2 Instance State-change Notification",
					"ECS Task State Change",
					"CodePipeline Pipeline Execution State Change",
					"CodePipeline Action Execution State Change",
				],
			},
			targets: [
				new targets.ApiDestination(destination, {
					retryAttempts: 185,
					maxEventAge: Duration.hours(24),
				}),
			],
		});
	}
}
