import { channelReferences } from "../db/channels";
import { integrationsWithOpenIncidents } from "../db/incidents";
import type { IntegrationRow } from "../db/integrations";
import { loadRoutingSnapshot } from "../db/routes";
import { ServiceUnavailable } from "../http/errors";
import { refusalError } from "../http/refusals";
import type { Settings } from "../integrations/settings";
import { publicUrlProblem, urlRulesOf } from "../notify/url";

/**
 * What admin changes tell the integrations' Durable Objects, which hold what a push needs (key
 * hash, type, settings, routing). Each change reaches the objects before the API answers: D1 is
 * the admin store and the listing mirror, never on the push path.
 */

/** Objects told at once when a channel's grouping changes; more wait for the next group. */
const FAN_OUT = 10;

type Described = Pick<IntegrationRow, "id" | "type"> & { settings: Settings };

/** The admin request that makes the change: its bindings, and the address it came to. */
export type AdminRequest = { env: Env; req: { url: string } };

/** The deployment's PUBLIC_URL as an origin, or null when it is unset or not valid (logged). */
export function publicUrl(env: Env): string | null {
	if (env.PUBLIC_URL === undefined || env.PUBLIC_URL === "") return null;
	const problem = publicUrlProblem(env.PUBLIC_URL, urlRulesOf(env));
	if (problem !== null) {
		// The rule only: the setting is the operator's, and a log is no place to echo config.
		console.warn(JSON.stringify({ event: "public_url_ignored", problem }));
		return null;
	}
	return new URL(env.PUBLIC_URL).origin;
}

/** Where the API is, for links in notifications: PUBLIC_URL, else the admin request's origin. */
export function publicBaseUrl(c: AdminRequest): string {
	return publicUrl(c.env) ?? new URL(c.req.url).origin;
}

function snapshotOf(c: AdminRequest, integrationId: string) {
	const origin = publicUrl(c.env);
	return loadRoutingSnapshot(c.env.DB, integrationId, {
		baseUrl: origin ?? new URL(c.req.url).origin,
		// Only a configured address leads to the dashboard: the admin request's origin may be
		// one the browsers of the people paged cannot reach.
		dashboardUrl: origin,
	});
}

/** The object could not be told; the admin change is saved and repeating the request applies it. */
async function tell<T>(what: string, call: () => Promise<T>): Promise<T> {
	try {
		return await call();
	} catch {
		throw new ServiceUnavailable(
			"IntegrationObjectUnavailable",
			`${what} is saved but did not reach the integration's push path yet: repeat the request`,
		);
	}
}

/** On create and rotate: everything the object needs; the old key stops at once. */
export async function provisionObject(
	c: AdminRequest,
	row: Described,
	keyHash: string,
): Promise<void> {
	const refusal = await tell("the key", async () =>
		c.env.INTEGRATION.getByName(row.id).provision({
			integrationId: row.id,
			type: row.type,
			settings: row.settings,
			keyHash,
			routing: await snapshotOf(c, row.id),
		}),
	);
	if (refusal !== null) throw refusalError(refusal);
}

/** PATCH: settings and channel. Alerts already firing follow a new timeout at once. */
export async function configureObject(c: AdminRequest, row: Described): Promise<void> {
	await tell("the change", async () =>
		c.env.INTEGRATION.getByName(row.id).configure({
			settings: row.settings,
			routing: await snapshotOf(c, row.id),
		}),
	);
}

/** Routes changed: the object routes new alerts by them from the next push. */
export async function rerouteObject(c: AdminRequest, integrationId: string): Promise<void> {
	await tell("the change", async () =>
		c.env.INTEGRATION.getByName(integrationId).reroute(await snapshotOf(c, integrationId)),
	);
}

/**
 * A channel's grouping or targets changed: every integration that can route to it (or still has
 * an open incident in it) gets new routing.
 */
export async function rerouteChannel(c: AdminRequest, channelId: string): Promise<void> {
	const refs = await channelReferences(c.env.DB, channelId);
	const ids = [
		...new Set([
			...refs.private_integrations,
			...refs.routing_integrations,
			...(await integrationsWithOpenIncidents(c.env.DB, channelId)),
		]),
	];
	await rerouteMany(c, ids);
}

/** New routing for each of these integrations, FAN_OUT at a time. */
export async function rerouteMany(c: AdminRequest, ids: readonly string[]): Promise<void> {
	for (let start = 0; start < ids.length; start += FAN_OUT) {
		await Promise.all(ids.slice(start, start + FAN_OUT).map((id) => rerouteObject(c, id)));
	}
}
