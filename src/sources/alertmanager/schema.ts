import * as z from "zod/mini";
import { requiredAs } from "../../schema/messages";

/**
 * Alertmanager's wire formats: the webhook payload (version 4,
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config), which Grafana's
 * webhook contact point also sends with fields of its own
 * (https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/),
 * and the postable alerts of Alertmanager's API v2 (`POST /api/v2/alerts`), which Prometheus
 * sends. Unknown fields are ignored, so later versions' additions pass.
 */

const text = z.nullish(z.string({ error: "must be a string" }));
const StringMap = z.record(z.string(), z.string({ error: "must be a string" }), {
	error: "must be an object of string values",
});

const Labels = z
	.record(
		z.string(),
		z.string({ error: "must be a string" }),
		requiredAs("an object of string values"),
	)
	.check(z.refine((labels) => Object.keys(labels).length > 0, "must have at least one label"));

const Alert = {
	labels: Labels,
	annotations: z.nullish(StringMap),
	startsAt: text,
	endsAt: text,
	generatorURL: text,
};

export const WebhookAlert = z.object({
	...Alert,
	status: z.enum(["firing", "resolved"], { error: "must be firing or resolved" }),
	fingerprint: text,
	// Grafana's additions.
	silenceURL: text,
	dashboardURL: text,
	panelURL: text,
	imageURL: text,
});
export type WebhookAlert = z.output<typeof WebhookAlert>;

export const AlertmanagerWebhook = z.object(
	{
		alerts: z.array(WebhookAlert, { error: "must be an array of alerts" }),
	},
	{ error: "must be a JSON object (an Alertmanager or Grafana webhook payload)" },
);

export const PostableAlert = z.object(Alert, { error: "must be an alert object" });
export type PostableAlert = z.output<typeof PostableAlert>;

export const PostableAlerts = z.array(PostableAlert, {
	error: "must be a JSON array of alerts: [{labels, annotations, startsAt, endsAt, generatorURL}]",
});
