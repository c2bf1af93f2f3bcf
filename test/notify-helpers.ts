import { expect } from "vitest";
import { admin, createIntegration, moveClock, runAlarm } from "./helpers";
import { createChannel } from "./incident-helpers";
import type { Received } from "./node/receivers";

/** A unique path segment, so parallel test files never read each other's requests. */
export const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

/** A webhook target's body, for the test receiver at `https://receiver.test/<path>/<behaviour>`. */
export function webhook(path: string, behaviour = "ok", over: Record<string, unknown> = {}) {
	return { type: "webhook", url: `https://receiver.test/${path}/${behaviour}`, ...over };
}

export async function createTarget(channelId: string, body: Record<string, unknown>) {
	const reply = await admin("POST", `/channels/${channelId}/targets`, { name: "t", ...body });
	if (reply.status !== 201) throw new Error(`target create failed: ${JSON.stringify(reply.body)}`);
	return reply.body.data as { id: string; secret?: string } & Record<string, unknown>;
}

/** A channel with these targets, and an integration private to it. */
export async function notifiedIntegration(targets: Record<string, unknown>[], channel = {}) {
	const { id: channelId } = await createChannel(channel);
	const made = [];
	for (const target of targets) made.push(await createTarget(channelId, target));
	const integration = await createIntegration("notified", "standard", {}, channelId);
	return { channelId, targets: made, ...integration };
}

/** Requests the receivers got whose URL or body contain `match`, oldest first. */
export async function received(match: string): Promise<Received[]> {
	const response = await fetch(`https://outbound.test/received?match=${encodeURIComponent(match)}`);
	return response.json();
}

/** The JSON bodies of those requests. */
export async function receivedBodies(match: string) {
	// biome-ignore lint/suspicious/noExplicitAny: tests read the bodies' fields and assert them
	return (await received(match)).map((r) => JSON.parse(r.body) as any);
}

/**
 * A person acknowledges the incident through the API, then resolves it, the integration's alarm
 * running after each (so its targets hear of both).
 */
export async function acknowledgeThenResolve(integrationId: string, incidentId: string) {
	expect((await admin("POST", `/incidents/${incidentId}/acknowledge`)).status).toBe(200);
	await runAlarm(integrationId);
	expect((await admin("POST", `/incidents/${incidentId}/resolve`)).status).toBe(200);
	await runAlarm(integrationId);
}

/** Moves the object's clock, then runs its alarm. */
export async function later(integrationId: string, ms: number): Promise<void> {
	await moveClock(integrationId, ms);
	await runAlarm(integrationId);
}

export async function deliveries(channelId: string, query = "") {
	const reply = await admin("GET", `/channels/${channelId}/deliveries${query}`);
	if (reply.status !== 200) throw new Error(`deliveries failed: ${JSON.stringify(reply.body)}`);
	// biome-ignore lint/suspicious/noExplicitAny: tests read the rows' fields and assert them
	return reply.body.data.deliveries as any[];
}
