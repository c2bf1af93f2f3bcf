import type { Context } from "hono";
import { incidentChannel } from "../db/incidents";
import { getIntegration } from "../db/integrations";
import { getSilence, type SilenceRow } from "../db/noise";
import type { AppEnv } from "../http/app-env";
import type { Endpoint } from "../http/endpoint";
import { Forbidden, InvalidParameter } from "../http/errors";
import { refusalError } from "../http/refusals";
import { channelNotFound, integrationNotFound, silenceNotFound } from "./not-found";

/**
 * A token limited to channels sees and changes only what belongs to them: the channels
 * themselves (and their targets and deliveries), the integrations private to one of them, their
 * incidents, and the silences limited to them. Anything else answers as if it did not exist
 * (404, never 403: a limited token learns nothing of other channels). Integrations shared
 * through routes belong to no one channel, so they, routes, inhibit rules and tokens need a
 * token without a limit.
 */

/** The channels the request's credential is limited to; null: no limit. */
export function channelLimit(c: Context<AppEnv>): readonly string[] | null {
	return c.get("principal")?.channels ?? null;
}

/** Before the handler: the resource the path names belongs to the token's channels. */
export async function requireWithinLimit(
	c: Context<AppEnv>,
	scope: Endpoint["scope"],
	channels: readonly string[],
): Promise<void> {
	const id = c.req.param("id") ?? "";
	switch (scope) {
		case "list":
			return;
		case "channel":
			if (!channels.includes(id)) throw channelNotFound(id);
			return;
		case "integration": {
			const row = await getIntegration(c.env.DB, id);
			// A missing one gets the handler's own 404.
			if (row !== null && !within(channels, row.channel_id)) throw integrationNotFound(id);
			return;
		}
		case "incident": {
			const channel = await incidentChannel(c.env.DB, id);
			if (channel !== undefined && !within(channels, channel)) {
				throw refusalError({ ok: false, reason: "incident_not_found", id });
			}
			return;
		}
		case "silence": {
			const row = await getSilence(c.env.DB, id);
			if (row !== null && !(await silenceWithin(c.env.DB, channels, row)))
				throw silenceNotFound(id);
			return;
		}
		default:
			throw new Forbidden(
				"this needs a token without a channel limit: the token is limited to channels",
			);
	}
}

const within = (channels: readonly string[], channel: string | null) =>
	channel !== null && channels.includes(channel);

/** The integrations private to one of `channels`. */
export async function integrationsOfChannels(
	db: D1Database,
	channels: readonly string[],
): Promise<Set<string>> {
	const { results } = await db
		.prepare(
			"SELECT id FROM integrations WHERE deleted_at IS NULL AND channel_id IN (SELECT value FROM json_each(?))",
		)
		.bind(JSON.stringify(channels))
		.all<{ id: string }>();
	return new Set(results.map((row) => row.id));
}

/** A silence is a limited token's when it is limited, and only to its channels and integrations. */
async function silenceWithin(
	db: D1Database,
	channels: readonly string[],
	row: Pick<SilenceRow, "integration_ids" | "channel_ids">,
): Promise<boolean> {
	if (row.integration_ids.length === 0 && row.channel_ids.length === 0) return false;
	if (!row.channel_ids.every((id) => channels.includes(id))) return false;
	if (row.integration_ids.length === 0) return true;
	const own = await integrationsOfChannels(db, channels);
	return row.integration_ids.every((id) => own.has(id));
}

/**
 * A silence a limited token saves (or previews) must stay within its channels: the ids it names
 * beyond them are refused as the ids of nothing are, so the answer reveals nothing.
 */
export async function requireSilenceWithin(
	db: D1Database,
	channels: readonly string[] | null,
	row: Pick<SilenceRow, "integration_ids" | "channel_ids">,
): Promise<void> {
	if (channels === null) return;
	if (row.integration_ids.length === 0 && row.channel_ids.length === 0) {
		throw new InvalidParameter(
			"channel_ids or integration_ids is required: a token limited to channels makes silences limited to them",
		);
	}
	const foreignChannels = row.channel_ids.filter((id) => !channels.includes(id));
	if (foreignChannels.length > 0) {
		throw new InvalidParameter(`channel_ids names no channel: ${foreignChannels.join(", ")}`);
	}
	const own = await integrationsOfChannels(db, channels);
	const foreign = row.integration_ids.filter((id) => !own.has(id));
	if (foreign.length > 0) {
		throw new InvalidParameter(`integration_ids names no integration: ${foreign.join(", ")}`);
	}
}
