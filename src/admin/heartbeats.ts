import * as z from "zod/mini";
import { HeartbeatView, PingView } from "../durable/contract";
import { MAX_PINGS_KEPT } from "../durable/state/heartbeat";
import { endpoint } from "../http/endpoint";
import { Conflict, NotFound } from "../http/errors";
import { DOCS } from "../schema/docs";
import { ADMIN, PageLimit, READ } from "./fields";
import { NO_INTEGRATION, requireIntegration } from "./integrations";

/**
 * A heartbeat integration's admin actions and history: pause, resume, and its latest pings. A
 * pause is an action rather than a setting, so that a PATCH of other settings never resumes it.
 */

const NOT_A_HEARTBEAT = { ...NO_INTEGRATION, 409: DOCS && "Not a heartbeat integration" };

const STATE = {
	status: 200,
	data: DOCS && HeartbeatView,
	description: DOCS && "The heartbeat's state.",
} as const;

/** The heartbeat's object, or 409 naming the type of another. */
async function heartbeatObject(env: Env, id: string) {
	const row = await requireIntegration(env.DB, id);
	if (row.type !== "heartbeat") {
		throw new Conflict(
			"NotAHeartbeat",
			`integration ${id} is a ${row.type} integration; only heartbeat integrations are paused, resumed and pinged`,
		);
	}
	return env.INTEGRATION.getByName(row.id);
}

function pausing(paused: boolean) {
	return endpoint({
		method: "post",
		path: `/api/v1/integrations/{id}/${paused ? "pause" : "resume"}`,
		...ADMIN,
		scope: "integration",
		audit: paused ? "integration.pause" : "integration.resume",
		summary:
			DOCS &&
			(paused
				? "Pause a heartbeat: nothing is due, its firing alert resolves, pings are recorded only"
				: "Resume a heartbeat: its next ping is due a period (or the next scheduled time) from now"),
		answer: STATE,
		refusals: NOT_A_HEARTBEAT,
		handler: async (c, { params }) => {
			const view = await (await heartbeatObject(c.env, params.id)).pauseHeartbeat(paused);
			if (view === null) throw new NotFound("IntegrationNotFound", "the integration was deleted");
			return view;
		},
	});
}

export const heartbeatEndpoints = [
	pausing(true),
	pausing(false),
	endpoint({
		method: "get",
		path: "/api/v1/integrations/{id}/pings",
		...READ,
		scope: "integration",
		summary:
			DOCS &&
			`A heartbeat's latest pings (at most ${MAX_PINGS_KEPT} are kept), newest first, with run times and output; other types have none`,
		query: z.object({ limit: PageLimit(MAX_PINGS_KEPT, MAX_PINGS_KEPT) }),
		answer: {
			status: 200,
			data: DOCS && z.object({ pings: z.array(PingView) }),
			description: DOCS && "The latest pings.",
		},
		refusals: NO_INTEGRATION,
		// A list answers 200 whatever the type (as every list does): other types have no pings.
		handler: async (c, { params, query }) => {
			const row = await requireIntegration(c.env.DB, params.id);
			if (row.type !== "heartbeat") return { pings: [] };
			return { pings: await c.env.INTEGRATION.getByName(row.id).pings(query.limit) };
		},
	}),
];
