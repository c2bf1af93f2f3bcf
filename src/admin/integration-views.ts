import * as z from "zod/mini";
import { Iso, IsoOrNull, iso, isoOrNull } from "../alerts/alert";
import type { IntegrationRow } from "../db/integrations";
import { HeartbeatView } from "../durable/contract";
import { IntegrationType } from "../integrations/type";
import { DOCS } from "../schema/docs";
import { CloudWatchSettings } from "../sources/cloudwatch/settings";
import { emailAddressFor } from "../sources/email/address";
import { settingsOf } from "../sources/registry";

/**
 * What the admin API shows of an integration: the list's row, one integration with its object's
 * intake counters (and its SNS subscription or heartbeat), and, in create and rotate only, its
 * key and what carries it. Never the key's hash.
 */

export const IntegrationListItem =
	DOCS &&
	z.object({
		id: z.string(),
		name: z.string(),
		type: IntegrationType,
		channel_id: z.nullable(z.string()),
		settings: z.record(z.string(), z.unknown()),
		created_at: Iso,
		key_rotated_at: IsoOrNull,
		event_count: z.int(),
		last_event_at: IsoOrNull,
		unrouted_count: z.int(),
		/** Alerts the integration's pipeline dropped. */
		dropped_count: z.int(),
		rate_limited_count: z.int(),
		deduplicated_count: z.int(),
		replayed_count: z.int(),
		refused_count: z.record(z.string(), z.int()),
	});
export type IntegrationListItem = z.output<typeof IntegrationListItem>;

const IntakeView =
	DOCS &&
	z.object({
		accepted_count: z.int(),
		deduplicated_count: z.int(),
		replayed_count: z.int(),
		rate_limited_count: z.int(),
		refused_count: z.record(z.string(), z.int()),
		unrouted_count: z.int(),
		dropped_count: z.int(),
		last_event_at: IsoOrNull,
	});

const SnsStatusView =
	DOCS &&
	z.object({
		topic_arn: z.nullable(z.string()),
		topic_pinned_by: z.nullable(z.enum(["settings", "confirmation", "notification"])),
		topic_pinned_at: IsoOrNull,
		subscription_status: z.enum(["none", "confirmed", "receiving", "unsubscribed"]),
		subscription_arn: z.nullable(z.string()),
		confirmed_at: IsoOrNull,
		unsubscribed_at: IsoOrNull,
		last_message_at: IsoOrNull,
	});

export const IntegrationView =
	DOCS &&
	z.extend(IntegrationListItem, {
		intake: IntakeView,
		/** aws_cloudwatch only. */
		sns: z.optional(SnsStatusView),
		/** heartbeat only: its state, last ping and next due time. */
		heartbeat: z.optional(HeartbeatView),
	});
export type IntegrationView = z.output<typeof IntegrationView>;

/** Create and rotate: the key and the URL that carries it, in this answer and nowhere else. */
export const IntegrationWithKey =
	DOCS &&
	z.extend(IntegrationView, {
		integration_key: z.string(),
		push_url: z.string(),
		/** email only: the address that carries the key (`<key>@<EMAIL_DOMAIN>`). */
		email_address: z.optional(z.string()),
		/** email only, when EMAIL_DOMAIN is not set: how to complete the address. */
		email_address_hint: z.optional(z.string()),
	});

/** The integration as the API lists it: never the key, nor its hash. */
export function integrationToApi(row: IntegrationRow): IntegrationListItem {
	return {
		id: row.id,
		name: row.name,
		type: row.type,
		channel_id: row.channel_id,
		settings: settingsOf(row.type, row.settings),
		created_at: iso(row.created_at),
		key_rotated_at: isoOrNull(row.key_rotated_at),
		event_count: row.event_count,
		last_event_at: isoOrNull(row.last_event_at),
		unrouted_count: row.unrouted_count,
		dropped_count: row.dropped_count,
		rate_limited_count: row.rate_limited_count,
		deduplicated_count: row.deduplicated_count,
		replayed_count: row.replayed_count,
		refused_count: row.refused_count,
	};
}

/**
 * One integration: the D1 row, and from its object the intake counters (current, where the
 * list's counters follow through the mirror) and, for CloudWatch, the SNS subscription.
 */
export async function integrationDetail(env: Env, row: IntegrationRow): Promise<IntegrationView> {
	const object = env.INTEGRATION.getByName(row.id);
	const view = { ...integrationToApi(row), intake: await object.intake() };
	if (row.type === "heartbeat")
		return { ...view, heartbeat: (await object.heartbeat()) ?? undefined };
	if (row.type !== "aws_cloudwatch") return view;
	const { topic_arn } = CloudWatchSettings.parse(row.settings);
	return { ...view, sns: await object.snsStatus(topic_arn) };
}

/** The key and the URL (and for email, the address) that carry it: in create and rotate only. */
export function keyFields(requestUrl: string, key: string, type: IntegrationType, env: Env) {
	const fields = { integration_key: key, push_url: `${new URL(requestUrl).origin}/push/${key}` };
	return type === "email" ? { ...fields, ...emailAddressFor(key, env.EMAIL_DOMAIN) } : fields;
}
