import type { Context } from "hono";
import * as z from "zod/mini";
import type { IntegrationRow } from "../db/integrations";
import { PreviewData } from "../durable/contract";
import type { AppEnv } from "../http/app-env";
import { readTextLimited } from "../http/body";
import type { Endpoint } from "../http/endpoint";
import { ok } from "../http/envelope";
import { MAX_PUSH_BODY_BYTES } from "../push/handle";
import { DOCS } from "../schema/docs";
import { Previewed, type PushTarget } from "../sources/ingest";
import { SOURCES, settingsOf } from "../sources/registry";
import { WRITE } from "./fields";
import { NO_INTEGRATION, requireIntegration } from "./integrations";

/**
 * `POST /api/v1/integrations/{id}/preview`: a body exactly as the sender would push it, and what
 * it would become, or the refusal the push would get, for every integration type. The push's
 * own code runs (parsing, the type's normalization or mapping, then the object's pipeline and
 * routing), up to where the push would be applied: nothing is stored, no incident opens, no rate
 * limit is spent. SNS signatures are not checked (a sample is not signed for this deployment) and
 * a subscription confirmation is never followed.
 */
export const previewEndpoints: Endpoint[] = [
	{
		...WRITE,
		scope: "integration",
		audit: false,
		method: "post",
		path: "/api/v1/integrations/{id}/preview",
		summary:
			DOCS &&
			"What a body pushed to this integration would become: its alerts (key, status, title, severity, labels, channels) and how many the pipeline drops, or the push's refusal. Nothing is stored.",
		body: {
			schema: DOCS && z.unknown(),
			example: DOCS && {
				event_status: "Warning",
				// biome-ignore lint/suspicious/noTemplateCurlyInString: Flashduty's template syntax
				title_rule: "[TPL]${host} disk at {{.Labels.used}}",
				alert_key: "disk-db-1",
				labels: { host: "db-1", used: "91%" },
			},
		},
		answer: {
			status: 200,
			data: DOCS && PreviewData,
			description: DOCS && "What the push would make of the body; nothing was stored.",
		},
		refusals: NO_INTEGRATION,
		// The body is read as the push reads it (text, any format), not as JSON by a schema.
		handle: async (c) => {
			const row = await requireIntegration(c.env.DB, c.req.param("id") ?? "");
			const text = await readTextLimited(c.req.raw, MAX_PUSH_BODY_BYTES);
			const result = await previewBody(c, row, text);
			return result instanceof Response ? result : ok(c, result);
		},
	},
];

/**
 * What `text` pushed to the integration would become. A refusal is thrown as the push throws it,
 * or is the Response its source answers in the sender's own shape (PagerDuty's).
 */
export async function previewBody(
	c: Context<AppEnv>,
	row: IntegrationRow,
	text: string,
): Promise<PreviewData | Response> {
	const settings = settingsOf(row.type, row.settings);
	const target: PushTarget = {
		id: row.id,
		type: row.type,
		settings,
		auth: { kind: "d1", configVersion: row.config_version, settings },
		keyHeader: null,
		preview: true,
	};
	try {
		return await SOURCES[row.type].handle(c, target, text);
	} catch (error) {
		if (error instanceof Previewed) return error.data;
		throw error;
	}
}
