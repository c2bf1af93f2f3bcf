import * as z from "zod/mini";
import type { ApiChannel } from "../admin/channels";
import type { ApiIntegration, ApiIntegrationDetail } from "../admin/integrations";
import type { ApiInhibitRule, ApiSilence } from "../admin/noise";
import type { ApiDelivery } from "../admin/targets";
import { Alert, AlertStatus, type ApiAlert } from "../alerts/alert";
import { Severity } from "../alerts/event";
import { NotificationRow } from "../db/notifications";
import { PushData } from "../durable/contract";
import { type ApiIncident, Incident } from "../incidents/incident";
import { IntegrationType } from "../integrations/type";
import { EventType, TargetType, type targetToApi } from "../notify/target";
import { Condition } from "../routing/rules";
import { Schedule } from "../routing/schedule";

/**
 * What the API answers, as schemas for the OpenAPI document. The functions that build each
 * answer (`alertToApi`, `incidentToApi`, …) are checked against these at compile time below, so
 * the document cannot drift from the code without the type check failing.
 */

const Iso = z.string().check(z.iso.datetime());
const IsoOrNull = z.nullable(Iso);

export const AlertView = z.extend(Alert, {
	first_event_at: Iso,
	last_event_at: Iso,
	resolved_at: IsoOrNull,
	expires_at: IsoOrNull,
});

export const IncidentView = z.extend(Incident, {
	opened_at: Iso,
	acknowledged_at: IsoOrNull,
	resolved_at: IsoOrNull,
});

export const IncidentDetailView = z.extend(IncidentView, { alerts: z.array(AlertView) });

const IntakeView = z.object({
	accepted_count: z.int(),
	deduplicated_count: z.int(),
	replayed_count: z.int(),
	rate_limited_count: z.int(),
	refused_count: z.record(z.string(), z.int()),
	unrouted_count: z.int(),
	last_event_at: IsoOrNull,
});

const SnsStatusView = z.object({
	topic_arn: z.nullable(z.string()),
	topic_pinned_by: z.nullable(z.enum(["settings", "confirmation", "notification"])),
	topic_pinned_at: IsoOrNull,
	subscription_status: z.enum(["none", "confirmed", "receiving", "unsubscribed"]),
	subscription_arn: z.nullable(z.string()),
	confirmed_at: IsoOrNull,
	unsubscribed_at: IsoOrNull,
	last_message_at: IsoOrNull,
});

export const IntegrationListItem = z.object({
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
	rate_limited_count: z.int(),
	deduplicated_count: z.int(),
	replayed_count: z.int(),
	refused_count: z.record(z.string(), z.int()),
});

export const IntegrationView = z.extend(IntegrationListItem, {
	intake: IntakeView,
	/** aws_cloudwatch only. */
	sns: z.optional(SnsStatusView),
});

/** Create and rotate: the key and the URL that carries it, in this answer and nowhere else. */
export const IntegrationWithKey = z.extend(IntegrationView, {
	integration_key: z.string(),
	push_url: z.string(),
});

export const ChannelView = z.object({
	id: z.string(),
	name: z.string(),
	description: z.string(),
	group_by: z.array(z.string()),
	group_window: z.nullable(z.string()),
	created_at: Iso,
	updated_at: Iso,
});

export const TargetView = z.object({
	id: z.string(),
	channel_id: z.string(),
	name: z.string(),
	type: TargetType,
	events: z.array(EventType),
	min_severity: Severity,
	delay: z.string(),
	/** Masked: scheme and host only. Not for pagerduty targets. */
	url: z.optional(z.string()),
	/** pagerduty: the routing key, masked, and the account's region. */
	routing_key: z.optional(z.string()),
	region: z.optional(z.enum(["us", "eu"])),
	/** webhook: the signing secret, masked except in the answers to create and rotate-secret. */
	secret: z.optional(z.string()),
	previous_secret_until: z.optional(IsoOrNull),
	repeat: z.nullable(z.object({ every: z.string(), times: z.int() })),
	created_at: Iso,
	updated_at: Iso,
});

export const DeliveryView = z.extend(z.omit(NotificationRow, { version: true }), {
	created_at: Iso,
	next_attempt_at: IsoOrNull,
	last_attempt_at: IsoOrNull,
});

export const SilenceView = z.object({
	id: z.string(),
	matchers: z.array(Condition),
	starts_at: Iso,
	ends_at: IsoOrNull,
	schedule: z.nullable(Schedule),
	comment: z.string(),
	created_by: z.string(),
	integration_ids: z.array(z.string()),
	channel_ids: z.array(z.string()),
	/** pending: not yet, or between windows; active: muting now; expired: for good. */
	status: z.enum(["pending", "active", "expired"]),
	/** When it next starts or stops muting (null: never again). */
	next_change_at: IsoOrNull,
	created_at: Iso,
	updated_at: Iso,
});

export const InhibitRuleView = z.object({
	id: z.string(),
	source_matchers: z.array(Condition),
	target_matchers: z.array(Condition),
	equal: z.array(z.string()),
	comment: z.string(),
	integration_ids: z.array(z.string()),
	created_at: Iso,
	updated_at: Iso,
});

export const SilencePreview = z.object({
	alerts: z.array(z.extend(AlertView, { integration_id: z.string() })),
	/** More firing alerts match than the 100 listed. */
	truncated: z.boolean(),
});

export const Deleted = z.object({ id: z.string(), deleted: z.literal(true) });

export const Page = <T extends z.ZodMiniType>(field: string, item: T) =>
	z.object({ [field]: z.array(item), next_cursor: z.nullable(z.string()) });

/** One event's outcome in a push. */
export const PushOutcome = PushData;
export const PushOutcomes = z.object({ results: z.array(PushData) });
export const EventBridgeOutcome = z.object({ event_id: z.string(), results: z.array(PushData) });

export const AlertStatusView = AlertStatus;

// Compile-time agreement between the answers the code builds and the schemas above.
type Agrees<Built extends Documented, Documented> = Built;
export type _AlertAgrees = Agrees<ApiAlert, z.output<typeof AlertView>>;
export type _IncidentAgrees = Agrees<ApiIncident, z.output<typeof IncidentView>>;
export type _IntegrationAgrees = Agrees<ApiIntegration, z.output<typeof IntegrationListItem>>;
export type _DetailAgrees = Agrees<ApiIntegrationDetail, z.output<typeof IntegrationView>>;
export type _ChannelAgrees = Agrees<ApiChannel, z.output<typeof ChannelView>>;
export type _TargetAgrees = Agrees<ReturnType<typeof targetToApi>, z.output<typeof TargetView>>;
export type _SilenceAgrees = Agrees<ApiSilence, z.output<typeof SilenceView>>;
export type _InhibitRuleAgrees = Agrees<ApiInhibitRule, z.output<typeof InhibitRuleView>>;
export type _DeliveryAgrees = Agrees<ApiDelivery, z.output<typeof DeliveryView>>;
