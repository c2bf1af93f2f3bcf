import * as z from "zod/mini";

/** What an integration receives; each type is one source folder under sources/. */
export const IntegrationType = z.enum([
	"standard",
	"aws_cloudwatch",
	"aws_eventbridge",
	"pagerduty",
	"alertmanager",
	"webhook",
	"opsgenie",
	"heartbeat",
	"email",
]);
export type IntegrationType = z.infer<typeof IntegrationType>;
