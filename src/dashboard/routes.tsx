import type { Context, MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { Hono } from "hono/tiny";
import { incidentObject } from "../admin/incidents";
import { ruleToApi } from "../admin/inhibit-rules";
import { previewBody } from "../admin/preview";
import { silenceToApi } from "../admin/silences";
import { isoOrNull } from "../alerts/alert";
import { getChannel, listChannels } from "../db/channels";
import { listIncidents } from "../db/incidents";
import { getIntegration, type IntegrationRow, listIntegrations } from "../db/integrations";
import { listInhibitRules, listSilences } from "../db/noise";
import { failedDeliveryCounts } from "../db/notifications";
import type { IncidentReply } from "../durable/contract";
import type { AppEnv } from "../http/app-env";
import { HttpError } from "../http/errors";
import { type ApiIncident, incidentToApi } from "../incidents/incident";
import { secretsEqual } from "../security/secrets";
import { MAX_PREVIEW_FORM_BYTES, readForm } from "./form";
import { securityHeaders } from "./headers";
import { IntegrationPage, type PreviewOutcome, type PreviewView } from "./integration-page";
import { LoginPage, MessagePage } from "./layout";
import {
	type IncidentGroup,
	IncidentPage,
	IncidentsPage,
	IntegrationsPage,
	SilencesPage,
} from "./pages";
import { session, signIn, signInReturn, signOut } from "./session";

/**
 * `/dashboard`: open incidents by channel, an incident's alerts with acknowledge and resolve, and
 * the integrations with what shows they are wired. Signed in with the admin token (session.ts).
 */

export const dashboard = new Hono<AppEnv>();

// First, so every answer carries them, errors and redirects from the checks below included.
dashboard.use(securityHeaders);

// Unsafe methods only from this origin (Origin / Sec-Fetch-Site), whatever the cookie says.
const sameOrigin = csrf();
dashboard.use(async (c, next) => {
	// Asked apart from the rest of the chain, so no later error is taken for its refusal.
	let allowed = false;
	await sameOrigin(c, async () => {
		allowed = true;
	}).catch(() => {});
	if (!allowed) {
		throw new HttpError(
			403,
			"CrossOriginRequest",
			"the dashboard takes forms from its own pages only",
		);
	}
	await next();
});

/** Most rows a page reads per list: a dashboard, not an export. */
const PAGE_ROWS = 100;

const signedIn: MiddlewareHandler<AppEnv> = async (c, next) => {
	const current = await session(c);
	if (current === null) {
		// A page (a notification's link) is shown after signing in; an action is not replayed.
		const back = c.req.method === "GET" ? signInReturn(new URL(c.req.url).pathname) : null;
		return c.redirect(
			back === null ? "/dashboard/login" : `/dashboard/login?next=${asQueryValue(back)}`,
			303,
		);
	}
	c.set("csrf", current.csrf);
	await next();
};

/** A path as a query value that reads as written: only what a query would take apart is escaped. */
const asQueryValue = (path: string) => path.replace(/[%&+#=]/g, (ch) => encodeURIComponent(ch));

/** An action's form must carry this session's CSRF token; its fields once it does. */
async function checkForm(c: Context<AppEnv>, maxBytes?: number): Promise<URLSearchParams> {
	const form = await readForm(c.req.raw, maxBytes);
	const given = form.get("csrf");
	const expected = c.get("csrf");
	if (given === null || expected === undefined || !(await secretsEqual(given, expected))) {
		throw new HttpError(
			403,
			"CsrfTokenInvalid",
			"the form is stale: reload the page and try again",
		);
	}
	return form;
}

dashboard.get("/login", async (c) => {
	const next = signInReturn(c.req.query("next"));
	if ((await session(c)) !== null) return c.redirect(next ?? "/dashboard", 303);
	return c.html(<LoginPage next={next} />);
});

dashboard.post("/login", async (c) => {
	const form = await readForm(c.req.raw);
	const next = signInReturn(form.get("next"));
	if (!(await signIn(c, form.get("token") ?? ""))) {
		return c.html(<LoginPage error="That is not the admin token." next={next} />, 401);
	}
	return c.redirect(next ?? "/dashboard", 303);
});

dashboard.post("/logout", signedIn, async (c) => {
	await checkForm(c);
	await signOut(c);
	return c.redirect("/dashboard/login", 303);
});

dashboard.get("/", signedIn, async (c) => {
	const [triggered, acknowledged, channels] = await Promise.all([
		listIncidents(c.env.DB, { status: "triggered", limit: PAGE_ROWS }),
		listIncidents(c.env.DB, { status: "acknowledged", limit: PAGE_ROWS }),
		listChannels(c.env.DB, { limit: PAGE_ROWS }),
	]);
	const open = [...triggered, ...acknowledged]
		.map(incidentToApi)
		.sort((a, b) => b.opened_at.localeCompare(a.opened_at));
	// Grouped by the incidents' own channels (newest incident first), so an incident shows even
	// when its channel is past the channels read for names; unrouted ones apart, last.
	const byChannel = new Map<string | null, ApiIncident[]>();
	for (const incident of open) {
		byChannel.set(incident.channel_id, [...(byChannel.get(incident.channel_id) ?? []), incident]);
	}
	const names = new Map(channels.map((channel) => [channel.id, channel.name]));
	const groups: IncidentGroup[] = [...byChannel]
		.filter(([id]) => id !== null)
		.map(([id, incidents]) => ({
			channel: { id: id ?? "", name: names.get(id ?? "") ?? `channel ${id}` },
			incidents,
		}));
	groups.push({ channel: null, incidents: byChannel.get(null) ?? [] });
	return c.html(<IncidentsPage groups={groups} csrf={csrfOf(c)} now={Date.now()} />);
});

dashboard.get("/incidents/:id", signedIn, async (c) => {
	const reply = await incidentReply(c, (stub, id) => stub.getIncident(id));
	if (!reply.ok) return notFound(c);
	const { incident } = reply;
	const [channel, integration] = await Promise.all([
		incident.channel_id === null ? null : getChannel(c.env.DB, incident.channel_id),
		getIntegration(c.env.DB, incident.integration_id),
	]);
	return c.html(
		<IncidentPage
			incident={incident}
			channel={channel?.name ?? "none (unrouted)"}
			integration={integration?.name ?? incident.integration_id}
			csrf={csrfOf(c)}
			now={Date.now()}
		/>,
	);
});

for (const verb of ["acknowledge", "resolve"] as const) {
	dashboard.post(`/incidents/:id/${verb}`, signedIn, async (c) => {
		await checkForm(c);
		const reply = await incidentReply(c, (stub, id) =>
			verb === "acknowledge" ? stub.acknowledgeIncident(id) : stub.resolveIncident(id),
		);
		if (!reply.ok && reply.reason === "incident_not_found") return notFound(c);
		// A refusal (acknowledging a resolved incident) shows on the page, which tells the state.
		return c.redirect(`/dashboard/incidents/${c.req.param("id")}`, 303);
	});
}

dashboard.get("/integrations", signedIn, async (c) => {
	const [integrations, failed] = await Promise.all([
		listIntegrations(c.env.DB, { limit: PAGE_ROWS }),
		failedDeliveryCounts(c.env.DB),
	]);
	const rows = integrations.map((row) => ({
		id: row.id,
		name: row.name,
		type: row.type,
		last_event_at: isoOrNull(row.last_event_at),
		event_count: row.event_count,
		deduplicated_count: row.deduplicated_count,
		unrouted_count: row.unrouted_count,
		dropped_count: row.dropped_count,
		rate_limited_count: row.rate_limited_count,
		refused_count: row.refused_count,
		failed_deliveries: failed.get(row.id) ?? 0,
	}));
	return c.html(<IntegrationsPage integrations={rows} csrf={csrfOf(c)} now={Date.now()} />);
});

dashboard.get("/integrations/:id", signedIn, async (c) => {
	const row = await getIntegration(c.env.DB, c.req.param("id"));
	if (row === null) return notFound(c, "No such integration", "It may have been deleted.");
	return integrationPage(c, row, null);
});

/** The preview of a body pasted in the integration's page: what a push of it would become. */
dashboard.post("/integrations/:id/preview", signedIn, async (c) => {
	const form = await checkForm(c, MAX_PREVIEW_FORM_BYTES);
	const row = await getIntegration(c.env.DB, c.req.param("id"));
	if (row === null) return notFound(c, "No such integration", "It may have been deleted.");
	const body = form.get("body") ?? "";
	let outcome: PreviewOutcome;
	try {
		const result = await previewBody(c, row, body);
		outcome =
			result instanceof Response
				? { refused: `${result.status}: ${await result.text()}` }
				: { data: result };
	} catch (error) {
		if (!(error instanceof HttpError)) throw error;
		outcome = { refused: `${error.status} ${error.code}: ${error.message}` };
	}
	return integrationPage(c, row, { body, outcome });
});

async function integrationPage(
	c: Context<AppEnv>,
	row: IntegrationRow,
	preview: PreviewView | null,
) {
	const object = c.env.INTEGRATION.getByName(row.id);
	const [page, channels, heartbeat] = await Promise.all([
		object.listAlerts({ status: "firing", limit: PAGE_ROWS }),
		listChannels(c.env.DB, { limit: PAGE_ROWS }),
		row.type === "heartbeat"
			? Promise.all([object.heartbeat(), object.pings(PAGE_ROWS)])
			: Promise.resolve(null),
	]);
	return c.html(
		<IntegrationPage
			id={row.id}
			name={row.name}
			type={row.type}
			alerts={page.alerts}
			heartbeat={
				heartbeat === null || heartbeat[0] === null
					? null
					: { view: heartbeat[0], pings: heartbeat[1] }
			}
			preview={preview}
			channelNames={new Map(channels.map((channel) => [channel.id, channel.name]))}
			csrf={csrfOf(c)}
			now={Date.now()}
		/>,
	);
}

dashboard.get("/silences", signedIn, async (c) => {
	const now = Date.now();
	const [silences, rules] = await Promise.all([
		listSilences(c.env.DB, { limit: PAGE_ROWS }),
		listInhibitRules(c.env.DB, { limit: PAGE_ROWS }),
	]);
	return c.html(
		<SilencesPage
			silences={silences.map((row) => silenceToApi(row, now))}
			rules={rules.map(ruleToApi)}
			csrf={csrfOf(c)}
		/>,
	);
});

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

function notFound(
	c: Context<AppEnv>,
	title = "No such incident",
	message = "It may have been deleted with its integration, or pruned after its retention.",
) {
	return c.html(<MessagePage title={title} message={message} csrf={csrfOf(c)} />, 404);
}

/** Set by `signedIn` on every page behind it. */
function csrfOf(c: Context<AppEnv>): string {
	return c.get("csrf") ?? "";
}
