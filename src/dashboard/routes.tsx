import type { Context } from "hono";
import { csrf } from "hono/csrf";
import { Hono } from "hono/tiny";
import { ruleToApi } from "../admin/inhibit-rules";
import { previewBody } from "../admin/preview";
import { silenceToApi } from "../admin/silences";
import { isoOrNull } from "../alerts/alert";
import { channelReferences, getChannel, listChannels } from "../db/channels";
import { listIncidents } from "../db/incidents";
import { getIntegration, type IntegrationRow, listIntegrations } from "../db/integrations";
import { channelNames, integrationNames } from "../db/names";
import { listInhibitRules, listSilences } from "../db/noise";
import { failedDeliveryCounts } from "../db/notifications";
import { listTargets } from "../db/targets";
import type { AppEnv } from "../http/app-env";
import { HttpError } from "../http/errors";
import { incidentToApi } from "../incidents/incident";
import { ChannelPage } from "./channel-page";
import { MAX_PREVIEW_FORM_BYTES, readForm } from "./form";
import { checkForm, needs, notFound, PAGE_ROWS, signedIn, viewerOf } from "./guard";
import { securityHeaders } from "./headers";
import { incidentRoutes } from "./incident-routes";
import { IntegrationPage, type PreviewOutcome, type PreviewView } from "./integration-page";
import { LoginPage } from "./layout";
import { type IntegrationRowView, IntegrationsPage, SilencesPage } from "./pages";
import { signedInAs, signIn, signInReturn, signOut } from "./session";

/**
 * `/dashboard`: incidents (incident-routes.tsx), channels, and the integrations with what shows
 * they are wired. Signed in with the admin token (session.ts).
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

dashboard.get("/login", async (c) => {
	const next = signInReturn(c.req.query("next"));
	if ((await signedInAs(c)) !== null) return c.redirect(next ?? "/dashboard", 303);
	return c.html(<LoginPage next={next} />);
});

dashboard.post("/login", async (c) => {
	const form = await readForm(c.req.raw);
	const next = signInReturn(form.get("next"));
	const outcome = await signIn(c, form.get("token") ?? "");
	if (outcome === "limited") {
		return c.html(
			<LoginPage
				error="A token limited to channels works in the API only: sign in with one that is not."
				next={next}
			/>,
			403,
		);
	}
	if (outcome === "refused") {
		return c.html(
			<LoginPage error="That is neither the admin token nor a valid API token." next={next} />,
			401,
		);
	}
	return c.redirect(next ?? "/dashboard", 303);
});

dashboard.post("/logout", signedIn, async (c) => {
	await checkForm(c);
	await signOut(c);
	return c.redirect("/dashboard/login", 303);
});

dashboard.route("/", incidentRoutes);

dashboard.get("/integrations", signedIn, async (c) => {
	const [integrations, failed] = await Promise.all([
		listIntegrations(c.env.DB, { limit: PAGE_ROWS }),
		failedDeliveryCounts(c.env.DB),
	]);
	const rows = integrations.map((row) => counters(row, failed.get(row.id) ?? 0));
	return c.html(<IntegrationsPage integrations={rows} viewer={viewerOf(c)} now={Date.now()} />);
});

dashboard.get("/integrations/:id", signedIn, async (c) => {
	const row = await getIntegration(c.env.DB, c.req.param("id"));
	if (row === null) return notFound(c, "No such integration", "It may have been deleted.");
	return integrationPage(c, row, null);
});

/** The preview of a body pasted in the integration's page: what a push of it would become. */
dashboard.post("/integrations/:id/preview", signedIn, needs("write"), async (c) => {
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
	const [page, channels, own, failed, heartbeat] = await Promise.all([
		object.listAlerts({ status: "firing", limit: PAGE_ROWS }),
		listChannels(c.env.DB, { limit: PAGE_ROWS }),
		channelNames(c.env.DB, [row.channel_id]),
		failedDeliveryCounts(c.env.DB),
		row.type === "heartbeat"
			? Promise.all([object.heartbeat(), object.pings(PAGE_ROWS)])
			: Promise.resolve(null),
	]);
	return c.html(
		<IntegrationPage
			id={row.id}
			name={row.name}
			type={row.type}
			counters={counters(row, failed.get(row.id) ?? 0)}
			channelId={row.channel_id}
			alerts={page.alerts}
			heartbeat={
				heartbeat === null || heartbeat[0] === null
					? null
					: { view: heartbeat[0], pings: heartbeat[1] }
			}
			preview={preview}
			channelNames={new Map([...channels.map((one) => [one.id, one.name] as const), ...own])}
			viewer={viewerOf(c)}
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
			viewer={viewerOf(c)}
		/>,
	);
});

/** What an integration's counters say, for the list and its page. */
function counters(row: IntegrationRow, failedDeliveries: number): IntegrationRowView {
	return {
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
		failed_deliveries: failedDeliveries,
	};
}

/** A channel: its grouping, targets (no secrets), what routes into it, and its open incidents. */
dashboard.get("/channels/:id", signedIn, async (c) => {
	const channel = await getChannel(c.env.DB, c.req.param("id"));
	if (channel === null) return notFound(c, "No such channel", "It may have been deleted.");
	const [targets, references, open] = await Promise.all([
		listTargets(c.env.DB, channel.id),
		channelReferences(c.env.DB, channel.id),
		listIncidents(c.env.DB, { channel_id: channel.id, status: "open", limit: PAGE_ROWS + 1 }),
	]);
	const shown = open.slice(0, PAGE_ROWS);
	const names = await integrationNames(c.env.DB, [
		...references.private_integrations,
		...references.routing_integrations,
		...shown.map((incident) => incident.integration_id),
	]);
	return c.html(
		<ChannelPage
			channel={channel}
			targets={targets}
			privateIntegrations={references.private_integrations}
			routingIntegrations={references.routing_integrations}
			incidents={shown.map(incidentToApi)}
			more={open.length > PAGE_ROWS}
			integrationNames={names}
			viewer={viewerOf(c)}
			now={Date.now()}
		/>,
	);
});
