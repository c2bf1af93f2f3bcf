import { type CreatedIntegration, call, createIntegration } from "./helpers";

export function createEventBridgeIntegration(
	settings: Record<string, unknown> = {},
): Promise<CreatedIntegration> {
	return createIntegration("eventbridge", "aws_eventbridge", settings);
}

/** A push as an API destination sends it: POST /push with the connection's API key header. */
export function pushEvent(key: string, event: unknown, headers: Record<string, string> = {}) {
	return call("POST", "/push", {
		body: typeof event === "string" ? event : JSON.stringify(event),
		headers: {
			"Content-Type": "application/json; charset=utf-8",
			"User-Agent": "Amazon/EventBridge/ApiDestinations",
			Range: "bytes=0-1048575",
			"X-Integration-Key": key,
			...headers,
		},
	});
}

/** An EventBridge envelope with a fresh id around `detail`. */
export function envelope(
	source: string,
	detailType: string,
	detail: Record<string, unknown>,
	over: Record<string, unknown> = {},
) {
	return {
		version: "0",
		id: crypto.randomUUID(),
		"detail-type": detailType,
		source,
		account: "123456789012",
		time: "2026-11-21T05:00:00Z",
		region: "us-east-1",
		resources: [],
		detail,
		...over,
	};
}

export function alarmEvent(value: string, timestamp: string, over: Record<string, unknown> = {}) {
	return envelope(
		"aws.cloudwatch",
		"CloudWatch Alarm State Change",
		{
			alarmName: "ServerCpuTooHigh",
			state: { value, reason: `${value} reason`, timestamp },
			previousState: { value: value === "OK" ? "ALARM" : "OK", timestamp },
			configuration: { description: "CPU high" },
			...over,
		},
		{ resources: ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"] },
	);
}
