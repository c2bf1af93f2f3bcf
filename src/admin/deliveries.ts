import * as z from "zod/mini";
import { Iso, IsoOrNull, iso, isoOrNull } from "../alerts/alert";
import { getNotification, listNotifications, NotificationRow } from "../db/notifications";
import { endpoint } from "../http/endpoint";
import { NotFound } from "../http/errors";
import { refusalError } from "../http/refusals";
import { Page } from "../http/views";
import { DeliveryStatus } from "../notify/target";
import { DOCS } from "../schema/docs";
import { requireChannel } from "./channels";
import { ADMIN, CreatedCursor, newestFirst, PageLimit, QueryEnum, READ } from "./fields";

/**
 * A channel's deliveries: every notification sent or being sent to its targets, with its
 * attempts, and the retry of one that failed. D1 lists them; the integration's Durable Object,
 * which sends, is asked to retry.
 */

const DeliveryQuery = z.object({
	status: z.optional(QueryEnum(DeliveryStatus, "must be pending, delivered or failed")),
	target_id: z.optional(z.string()),
	limit: PageLimit(100, 50),
	cursor: CreatedCursor,
});

const DeliveryView =
	DOCS &&
	z.extend(z.omit(NotificationRow, { version: true }), {
		created_at: Iso,
		next_attempt_at: IsoOrNull,
		last_attempt_at: IsoOrNull,
	});
type DeliveryView = z.output<typeof DeliveryView>;

function deliveryToApi(row: Omit<NotificationRow, "version">): DeliveryView {
	return {
		id: row.id,
		integration_id: row.integration_id,
		channel_id: row.channel_id,
		target_id: row.target_id,
		incident_id: row.incident_id,
		type: row.type,
		status: row.status,
		attempts: row.attempts,
		created_at: iso(row.created_at),
		next_attempt_at: row.status === "pending" ? isoOrNull(row.next_attempt_at) : null,
		last_attempt_at: isoOrNull(row.last_attempt_at),
		last_status: row.last_status,
		last_error: row.last_error,
	};
}

export const deliveryEndpoints = [
	endpoint({
		method: "get",
		path: "/api/v1/channels/{id}/deliveries",
		...READ,
		scope: "channel",
		summary: DOCS && "A channel's notifications and their attempts, newest first",
		query: DeliveryQuery,
		answer: {
			status: 200,
			data: DOCS && Page("deliveries", DeliveryView),
			description: DOCS && "A page of deliveries.",
		},
		refusals: { 404: DOCS && "No channel has this id" },
		handler: async (c, { params, query }) => {
			const channel = await requireChannel(c.env.DB, params.id);
			const { cursor, limit, ...filter } = query;
			const { page, next_cursor } = await newestFirst({ limit, cursor }, (range) =>
				listNotifications(c.env.DB, { ...filter, channel_id: channel.id, ...range }),
			);
			return { deliveries: page.map(deliveryToApi), next_cursor };
		},
	}),
	endpoint({
		method: "post",
		path: "/api/v1/channels/{id}/deliveries/{delivery}/retry",
		...ADMIN,
		scope: "channel",
		audit: "delivery.retry",
		summary: DOCS && "Queue a failed notification again",
		answer: { status: 202, data: DOCS && DeliveryView, description: DOCS && "Queued." },
		refusals: {
			404: DOCS && "No such channel or delivery",
			409: DOCS && "The delivery has not failed",
		},
		handler: async (c, { params }) => {
			const row = await getNotification(c.env.DB, params.id, params.delivery);
			if (row === null) {
				await requireChannel(c.env.DB, params.id);
				throw new NotFound(
					"DeliveryNotFound",
					`channel ${params.id} has no delivery with id ${JSON.stringify(params.delivery)}`,
				);
			}
			const reply = await c.env.INTEGRATION.getByName(row.integration_id).retryNotification(
				params.delivery,
			);
			if (!reply.ok) throw refusalError(reply);
			return deliveryToApi({ ...reply.notification, integration_id: row.integration_id });
		},
	}),
];
