import type { ApiIncident } from "../src/incidents/incident";
import { warning } from "./factories";
import { admin, createIntegration, push } from "./helpers";

export async function createChannel(body: Record<string, unknown> = {}) {
	const reply = await admin("POST", "/channels", { name: "team", ...body });
	if (reply.status !== 201) throw new Error(`channel create failed: ${JSON.stringify(reply.body)}`);
	return reply.body.data as { id: string; name: string };
}

/** A shared standard integration with these routes. */
export async function routedIntegration(routes: Record<string, unknown>) {
	const integration = await createIntegration();
	const reply = await admin("PUT", `/integrations/${integration.id}/routes`, routes);
	if (reply.status !== 200) throw new Error(`routes failed: ${JSON.stringify(reply.body)}`);
	return integration;
}

/** A new channel, and a shared standard integration whose default route leads to it. */
export async function integrationWithChannel(channel: Record<string, unknown> = {}) {
	const made = await createChannel(channel);
	const integration = await routedIntegration({ rules: [], default_channel_id: made.id });
	return { channel: made, ...integration };
}

/** A routing or silence condition: the label `name` equals `value`. */
export const labelEquals = (name: string, value: string) => ({
	field: `labels.${name}`,
	op: "equals",
	value,
});

export function fire(key: string, alertKey: string, over: Record<string, unknown> = {}) {
	return push(key, warning(alertKey, over));
}

export function recover(key: string, alertKey: string) {
	return push(key, { event_status: "Ok", alert_key: alertKey });
}

export async function incidents(query = "") {
	const reply = await admin("GET", `/incidents${query}`);
	if (reply.status !== 200) throw new Error(`list failed: ${JSON.stringify(reply.body)}`);
	return reply.body.data as { incidents: ApiIncident[]; next_cursor: string | null };
}

/** The integration's incidents in D1 (as mirrored so far), newest first. */
export async function incidentsOf(integrationId: string): Promise<ApiIncident[]> {
	return (await incidents(`?integration_id=${integrationId}`)).incidents;
}

/** The channel of each of the integration's incidents, by title. */
export async function channelByTitle(integrationId: string) {
	const listed = await incidentsOf(integrationId);
	return Object.fromEntries(listed.map((incident) => [incident.title, incident.channel_id]));
}

/** The newest incident the query lists; fails the test when there is none. */
export async function firstIncident(query: string): Promise<ApiIncident> {
	const [incident] = (await incidents(query)).incidents;
	if (incident === undefined) throw new Error(`no incident for ${query}`);
	return incident;
}
