import * as z from "zod/mini";
import { settingsError, sharedSettings } from "../../integrations/settings";
import { unknownFieldOr } from "../../schema/messages";

/**
 * `settings.mapping`: JSONata expressions (https://docs.jsonata.org) for the alert's fields, read
 * by mapping.ts. A field it does not know is refused, since a misspelt one would map nothing.
 */
export const Mapping = z.strictObject(
	{
		alerts: z.optional(z.string()),
		alert_key: z.optional(z.string()),
		status: z.optional(z.string()),
		title: z.optional(z.string()),
		severity: z.optional(z.string()),
		description: z.optional(z.string()),
		labels: z.optional(z.string()),
		links: z.optional(z.string()),
		event_time: z.optional(z.string()),
	},
	{
		error: unknownFieldOr(
			"must be an object of JSONata expressions (strings)",
			(keys) =>
				`has no field ${keys}: the fields are alerts, alert_key, status, title, severity, description, labels, links and event_time`,
		),
	},
);
export type Mapping = z.infer<typeof Mapping>;

/**
 * Settings of a `webhook` integration: a preset (a mapping shipped for a known sender), a mapping
 * of its own, or both (the mapping's fields replace the preset's). Whether the preset exists and
 * the expressions parse is checked when the settings are saved (`checkWebhookSettings`), by the
 * module that holds the presets and the mapping language, which only webhook integrations load.
 */
export const WebhookSettings = z
	.strictObject(
		{
			// null takes one away (a PATCH that drops the preset for a mapping of one's own).
			preset: z.nullish(z.string({ error: "must be the name of a preset (a string), or null" })),
			mapping: z.nullish(Mapping),
			...sharedSettings(null),
		},
		{ error: settingsError },
	)
	.check(
		z.refine((settings) => settings.preset != null || settings.mapping != null, {
			message:
				'needs a preset or a mapping: for example {"preset": "sentry"}, or {"mapping": {"title": "message", "alert_key": "id"}}',
		}),
	);
export type WebhookSettings = z.infer<typeof WebhookSettings>;
