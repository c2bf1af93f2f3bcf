import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { actorOf, audited } from "../admin/authorize";
import { IncidentQuery, incidentObject } from "../admin/incidents";
import { silenceAlert } from "../admin/quick-silence";
import { silenceToApi } from "../admin/silences";
import { iso } from "../alerts/alert";
import { listChannels } from "../db/channels";
import { listIncidents } from "../db/incidents";
import { channelNames, integrationNames } from "../db/names";
import type { IncidentReply } from "../durable/contract";
import type { AppEnv } from "../http/app-env";
import { pageOf } from "../http/cursor";
import { HttpError } from "../http/errors";
import { incidentToApi } from "../incidents/incident";
import { actor, timelineToApi } from "../incidents/timeline";
import { check } from "../schema/problem";
import { checkForm, needs, notFound, PAGE_ROWS, signedIn, viewerOf } from "./guard";
import { IncidentListPage, type ListFilters } from "./incident-list";
import { IncidentPage } from "./incident-page";

/**
 * The incident list, an incident's page, and what a person does there: acknowledge, resolve,
 * and silence one alert for an hour. Each action is a same-origin POST with the CSRF token.
 */
export const incidentRoutes = new Hono<AppEnv>();

/** Incidents a list page shows unless `limit` says otherwise. */
const LIST_ROWS = 50;

/** `YYYY-MM-DDTHH:MM[:SS]`: what a datetime-local field sends, with no offset (read as UTC). */
const FORM_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

const listPage = async (c: Context<AppEnv>) => {
	const url = new URL(c.req.url);
	const given = url.searchParams;
	const filters = formFilters(given);
	const query = check(IncidentQuery, apiQuery(filters, given));
	const [rows, channels] = await Promise.all([
		query.ok
			? listIncidents(c.env.DB, {
					...withoutPaging(query.value),
					limit: query.value.limit + 1,
					after: query.value.cursor,
				})
			: Promise.resolve([]),
		listChannels(c.env.DB, { limit: PAGE_ROWS }),
	]);
	const limit = query.ok ? query.value.limit : LIST_ROWS;
	const { page, next_cursor } = pageOf(rows, limit, (last) => [last.opened_at, last.id]);
	const [channelsById, integrationsById] = await Promise.all([
		channelNames(
			c.env.DB,
			page.map((row) => row.channel_id),
		),
		integrationNames(c.env.DB, [...page.map((row) => row.integration_id), filters.integration_id]),
	]);
	const shown = query.ok
		? {
				...filters,
				opened_since: formTime(query.value.opened_since, filters.opened_since),
				opened_before: formTime(query.value.opened_before, filters.opened_before),
			}
		: filters;
	return c.html(
		<IncidentListPage
			incidents={page.map(incidentToApi)}
			filters={shown}
			problem={query.ok ? null : query.problem}
			channels={new Map(channels.map((channel) => [channel.id, channel.name]))}
			channelNames={channelsById}
			integrationNames={integrationsById}
			next={next_cursor === null ? null : listAddress(given, filters.status, next_cursor)}
			first={given.has("cursor") ? listAddress(given, filters.status, null) : null}
			viewer={viewerOf(c)}
			now={Date.now()}
		/>,
		query.ok ? 200 : 400,
	);
};

incidentRoutes.get("/", signedIn, listPage);
incidentRoutes.get("/incidents", signedIn, listPage);

/** The form's fields as given; the list opens on the open incidents. */
function formFilters(given: URLSearchParams): ListFilters {
	const field = (name: string) => given.get(name) ?? "";
	return {
		status: field("status") === "" ? "open" : field("status"),
		severity: field("severity"),
		channel_id: field("channel_id"),
		integration_id: field("integration_id"),
		opened_since: field("opened_since"),
		opened_before: field("opened_before"),
	};
}

/**
 * The form in the API's terms, checked by the API's own schema. Empty fields are "any"; a
 * datetime-local time, which has no offset, is UTC (the page says so). Channel ids are UUIDs,
 * so `unrouted` in the channel field names no channel: it is the API's `unrouted=true`.
 */
function apiQuery(filters: ListFilters, given: URLSearchParams): Record<string, string> {
	const query: Record<string, string> = { limit: given.get("limit") || String(LIST_ROWS) };
	if (filters.status !== "all") query.status = filters.status;
	if (filters.severity !== "") query.severity = filters.severity;
	if (filters.channel_id === "unrouted") query.unrouted = "true";
	else if (filters.channel_id !== "") query.channel_id = filters.channel_id;
	if (filters.integration_id !== "") query.integration_id = filters.integration_id;
	for (const name of ["opened_since", "opened_before"] as const) {
		const time = filters[name];
		if (time !== "") query[name] = FORM_TIME.test(time) ? fromForm(time) : time;
	}
	const cursor = given.get("cursor");
	if (cursor) query.cursor = cursor;
	return query;
}

/** A datetime-local value as ISO 8601 in UTC (the field leaves out whole seconds). */
const fromForm = (time: string) => `${time.length === 16 ? `${time}:00` : time}Z`;

function withoutPaging(query: IncidentQuery) {
	const { limit: _limit, cursor: _cursor, ...filter } = query;
	return filter;
}

/** A time as a datetime-local field shows it (UTC, to the second). */
function formTime(ms: number | undefined, given: string): string {
	return ms === undefined ? given : iso(ms).slice(0, 19);
}

/** This list's address at another page (`cursor` null: the first), the status kept explicit. */
function listAddress(given: URLSearchParams, status: string, cursor: string | null): string {
	const params = new URLSearchParams(given);
	params.set("status", status);
	if (cursor === null) params.delete("cursor");
	else params.set("cursor", cursor);
	return `/dashboard/incidents?${params}`;
}

incidentRoutes.get("/incidents/:id", signedIn, async (c) => {
	const reply = await incidentReply(c, (stub, id) => stub.getIncident(id));
	if (!reply.ok) return notFound(c);
	const { incident } = reply;
	const object = c.env.INTEGRATION.getByName(incident.integration_id);
	const [channels, integrations, timeline] = await Promise.all([
		channelNames(c.env.DB, [incident.channel_id]),
		integrationNames(c.env.DB, [incident.integration_id]),
		object.incidentTimeline(incident.id, { limit: PAGE_ROWS + 1 }),
	]);
	const entries = (timeline ?? []).map(timelineToApi);
	return c.html(
		<IncidentPage
			incident={incident}
			channelNames={channels}
			integrationNames={integrations}
			timeline={entries.slice(0, PAGE_ROWS)}
			moreTimeline={entries.length > PAGE_ROWS}
			viewer={viewerOf(c)}
			now={Date.now()}
		/>,
	);
});

/** Who acts from these pages, for the incident's timeline: the signed-in name. */
const byDashboard = (c: Context<AppEnv>) => actor("dashboard", c.get("principal")?.name ?? null);

for (const verb of ["acknowledge", "resolve"] as const) {
	incidentRoutes.post(`/incidents/:id/${verb}`, signedIn, needs("write"), async (c) => {
		await checkForm(c);
		const before = await incidentReply(c, (stub, id) => stub.getIncident(id));
		if (!before.ok) return notFound(c);
		const reply = await incidentReply(c, (stub, id) =>
			verb === "acknowledge"
				? stub.acknowledgeIncident(id, byDashboard(c))
				: stub.resolveIncident(id, byDashboard(c)),
		);
		if (!reply.ok && reply.reason === "incident_not_found") return notFound(c);
		if (reply.ok) {
			await auditFromDashboard(
				c,
				`incident.${verb}`,
				reply.incident.id,
				before.incident,
				reply.incident,
			);
		}
		// A refusal (acknowledging a resolved incident) shows on the page, which tells the state.
		return c.redirect(incidentPage(c), 303);
	});
}

/**
 * Silences one of the incident's alerts for an hour: a silence on its key, limited to its
 * integration, made as the API makes one. The key must be one of this incident's alerts, as
 * its object says: the form only picks which.
 */
incidentRoutes.post("/incidents/:id/silence", signedIn, needs("write"), async (c) => {
	const form = await checkForm(c);
	const reply = await incidentReply(c, (stub, id) => stub.getIncident(id));
	if (!reply.ok) return notFound(c);
	const { incident } = reply;
	const alert = incident.alerts.find((one) => one.alert_key === form.get("alert_key"));
	if (alert === undefined) {
		return notFound(c, "No such alert", "This incident holds no alert with that key.");
	}
	const now = Date.now();
	const row = await silenceAlert(c, incident.integration_id, alert, "dashboard", now);
	await auditFromDashboard(c, "silence.create", row.id, null, silenceToApi(row, now));
	return c.redirect(incidentPage(c), 303);
});

function auditFromDashboard(
	c: Context<AppEnv>,
	action: string,
	resourceId: string,
	before: unknown,
	after: unknown,
) {
	const principal = c.get("principal");
	return audited(c, {
		actor:
			principal === undefined ? { kind: "admin_token", name: "admin token" } : actorOf(principal),
		via: "dashboard",
		action,
		resource_id: resourceId,
		before,
		after,
		request_id: c.get("requestId"),
	});
}

const incidentPage = (c: Context<AppEnv>) =>
	`/dashboard/incidents/${encodeURIComponent(c.req.param("id") ?? "")}`;

/** The incident from the object that holds it; a refusal when there is none. */
async function incidentReply(
	c: Context<AppEnv>,
	call: (
		stub: Awaited<ReturnType<typeof incidentObject>>,
		id: string,
	) => Promise<IncidentReply> | IncidentReply,
): Promise<IncidentReply> {
	const id = c.req.param("id") ?? "";
	try {
		return await call(await incidentObject(c.env, id), id);
	} catch (error) {
		if (error instanceof HttpError && error.status === 404) {
			return { ok: false, reason: "incident_not_found", id };
		}
		throw error;
	}
}
