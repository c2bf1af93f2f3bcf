import { type Context, Hono } from "hono";
import { csrf } from "hono/csrf";
import { audited } from "../admin/authorize";
import { QUICK_SILENCE_MS, silenceAlert } from "../admin/quick-silence";
import { silenceToApi } from "../admin/silences";
import { securityHeaders } from "../dashboard/headers";
import { Layout, SeverityBadge } from "../dashboard/layout";
import type { IncidentDetail, IncidentReply } from "../durable/contract";
import type { AppEnv } from "../http/app-env";
import { actor } from "../incidents/timeline";
import { type Action, type ActionClaim, verifyAction } from "../notify/action-links";

/**
 * `/actions/<signed link>`: what a notification's acknowledge, resolve and silence links open.
 * `GET` shows the incident and a button, and changes nothing (link previews, mail scanners and
 * chat unfurlers fetch links); the button's same-origin `POST` acts. The signature is the
 * credential, so neither needs a session. A link that is altered, forged or expired changes
 * nothing and gets a page saying so.
 */
export const actions = new Hono<AppEnv>();

actions.use(securityHeaders);
const sameOrigin = csrf();

const VERB: Record<Action, { ask: string; button: string; done: string }> = {
	acknowledge: {
		ask: "Acknowledge this incident?",
		button: "Acknowledge",
		done: "Acknowledged: escalations and repeats have stopped.",
	},
	resolve: {
		ask: "Resolve this incident?",
		button: "Resolve",
		done: "Resolved, with its firing alerts.",
	},
	silence: {
		ask: "Silence this alert for one hour?",
		button: "Silence for 1 hour",
		done: "Silenced for one hour.",
	},
};

actions.get("/:token", async (c) => {
	const checked = await checkedLink(c);
	if (checked instanceof Response) return checked;
	const { claim, incident } = checked;
	const verb = VERB[claim.action];
	const stale = staleness(claim.action, incident);
	return c.html(
		<Layout title={verb.ask}>
			<h1>{verb.ask}</h1>
			<IncidentSummary incident={incident} />
			{claim.action === "silence" && <SilenceScope incident={incident} />}
			{stale === null ? (
				<form method="post" action={c.req.path}>
					<button type="submit">{verb.button}</button>
				</form>
			) : (
				<p>{stale}</p>
			)}
			<DashboardLink incident={incident} />
		</Layout>,
	);
});

actions.post("/:token", async (c) => {
	let allowed = false;
	await sameOrigin(c, async () => {
		allowed = true;
	}).catch(() => {});
	if (!allowed) {
		return page(
			c,
			403,
			"Not from this page",
			"This action is taken from its own page only: open the link again and press its button.",
		);
	}
	const checked = await checkedLink(c);
	if (checked instanceof Response) return checked;
	const { claim, incident } = checked;
	const stale = staleness(claim.action, incident);
	if (stale !== null) return page(c, 409, "Nothing to do", stale, incident);
	const object = c.env.INTEGRATION.getByName(claim.integrationId);
	const by = actor("link");
	if (claim.action === "silence") {
		const alert = firstFiring(incident);
		if (alert === undefined)
			return page(
				c,
				409,
				"Nothing to do",
				"No alert of this incident is firing unsilenced.",
				incident,
			);
		const now = Date.now();
		const row = await silenceAlert(c, claim.integrationId, alert, "action link", now);
		await auditLink(c, "silence.create", row.id, null, silenceToApi(row, now));
		const until = new Date(now + QUICK_SILENCE_MS).toISOString().slice(0, 16).replace("T", " ");
		return page(c, 200, "Silenced", `${VERB.silence.done} It ends at ${until} UTC.`, incident);
	}
	const reply = await settled(
		claim.action === "acknowledge"
			? object.acknowledgeIncident(claim.incidentId, by)
			: object.resolveIncident(claim.incidentId, by),
	);
	if (!reply.ok) {
		return page(c, 409, "Nothing to do", "The incident was resolved meanwhile.", incident);
	}
	await auditLink(c, `incident.${claim.action}`, incident.id, incident, reply.incident);
	return page(
		c,
		200,
		claim.action === "acknowledge" ? "Acknowledged" : "Resolved",
		VERB[claim.action].done,
		reply.incident,
	);
});

/** A signed link names no person: the audit log says it was one. */
function auditLink(
	c: Context<AppEnv>,
	action: string,
	resourceId: string,
	before: unknown,
	after: unknown,
) {
	return audited(c, {
		actor: { kind: "action_link", name: "action link" },
		via: "action_link",
		action,
		resource_id: resourceId,
		before,
		after,
		request_id: c.get("requestId") ?? null,
	});
}

/** The link's claim and its incident, or the page that refuses it. */
async function checkedLink(
	c: Context<AppEnv>,
): Promise<{ claim: ActionClaim; incident: IncidentDetail } | Response> {
	const verified = await verifyAction(c.env.ADMIN_TOKEN, c.req.param("token") ?? "", Date.now());
	if (!verified.ok) {
		return verified.reason === "expired"
			? page(
					c,
					410,
					"This link has expired",
					"Action links work for 24 hours after their notification. Nothing was changed: act from the incident's dashboard page.",
				)
			: page(
					c,
					403,
					"This link is not valid",
					"It was altered, or signed by another deployment or before its admin token changed. Nothing was changed.",
				);
	}
	const { claim } = verified;
	const object = c.env.INTEGRATION.getByName(claim.integrationId);
	const reply = await settled(object.getIncident(claim.incidentId));
	if (!reply.ok) {
		return page(
			c,
			404,
			"No such incident",
			"It may have been deleted with its integration, or pruned after its retention. Nothing was changed.",
		);
	}
	return { claim, incident: reply.incident };
}

/** An object's answer, as the plain union it is (RPC's types wrap each member). */
const settled = (answer: Promise<IncidentReply> | IncidentReply): Promise<IncidentReply> =>
	Promise.resolve(answer);

/** Why the action no longer applies to the incident as it is now (null: it does). */
function staleness(action: Action, incident: IncidentDetail): string | null {
	if (incident.status === "resolved") return "The incident is resolved already: nothing to do.";
	if (action === "acknowledge" && incident.status === "acknowledged") {
		return "The incident is acknowledged already: nothing to do.";
	}
	if (action === "silence" && firstFiring(incident) === undefined) {
		return "No alert of this incident is firing unsilenced: nothing to silence.";
	}
	return null;
}

/**
 * The alert a silence link silences: the incident's first firing alert that no silence mutes yet.
 * Once it is silenced the link has nothing to do, so pressing it again creates no more silences
 * (a deployment holds 200 at most).
 */
const firstFiring = (incident: IncidentDetail) =>
	incident.alerts.find((alert) => alert.status === "firing" && alert.silenced_by === null);

function page(
	c: Context<AppEnv>,
	status: 200 | 403 | 404 | 409 | 410,
	title: string,
	message: string,
	incident?: IncidentDetail,
) {
	return c.html(
		<Layout title={title}>
			<h1>{title}</h1>
			<p>{message}</p>
			{incident !== undefined && <IncidentSummary incident={incident} />}
			{incident !== undefined && <DashboardLink incident={incident} />}
		</Layout>,
		status,
	);
}

function IncidentSummary(props: { incident: IncidentDetail }) {
	const { incident } = props;
	return (
		<p>
			<SeverityBadge severity={incident.severity} /> <strong>{incident.title}</strong>
			<br />
			<span class="muted">{`${incident.status} · ${incident.alert_count} alert${incident.alert_count === 1 ? "" : "s"} · opened ${incident.opened_at}`}</span>
		</p>
	);
}

function SilenceScope(props: { incident: IncidentDetail }) {
	const alert = firstFiring(props.incident);
	if (alert === undefined) return null;
	return (
		<p class="muted">
			{`Mutes alert ${alert.alert_key} of this integration for one hour: it stays open, and tells no one.`}
		</p>
	);
}

function DashboardLink(props: { incident: IncidentDetail }) {
	return (
		<p>
			<a href={`/dashboard/incidents/${encodeURIComponent(props.incident.id)}`}>
				Open the incident in the dashboard
			</a>
		</p>
	);
}
