import type { Child } from "hono/jsx";
import type { InhibitRuleView } from "../admin/inhibit-rules";
import type { SilenceView } from "../admin/silences";
import type { ApiAlert } from "../alerts/alert";
import type { ApiIncident } from "../incidents/incident";
import type { Condition } from "../routing/rules";

/**
 * The dashboard's pages: server-rendered HTML, no script, a few lines of CSS, readable on a
 * phone. Hono's JSX escapes every value, so titles and labels from pushes render as text.
 */

const CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{display:flex;gap:1rem;align-items:center;padding:.6rem 1rem;background:#1b1f24;color:#fff;flex-wrap:wrap}
header a{color:#fff}header form{margin-left:auto}
main{padding:1rem;max-width:60rem;margin:auto;overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
.sev{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.8rem;color:#fff}
.critical{background:#c62828}.warning{background:#e08a00}.info{background:#1565c0}
.muted{color:#66707a}.label{display:inline-block;margin:0 .3rem .2rem 0;padding:0 .3rem;background:#eef1f4;border-radius:.3rem;font-size:.85rem}
button{font:inherit;padding:.3rem .8rem}form.inline{display:inline}
.error{color:#c62828}.mark{display:inline-block;padding:0 .3rem;border-radius:.3rem;font-size:.8rem;background:#5c6b7a;color:#fff;margin-right:.2rem}
`;

/** How long ago, shortly: 45s, 12m, 3h, 2d. */
export function age(isoTime: string, now: number): string {
	const seconds = Math.max(0, Math.round((now - Date.parse(isoTime)) / 1000));
	if (seconds < 60) return `${seconds}s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
	if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
	return `${Math.floor(seconds / 86400)}d`;
}

function Layout(props: { title: string; csrf?: string; children: Child }) {
	return (
		<html lang="en">
			<head>
				<meta charset="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<title>{`${props.title} · alertgate`}</title>
				<style>{CSS}</style>
			</head>
			<body>
				<header>
					<strong>alertgate</strong>
					{props.csrf !== undefined && (
						<>
							<a href="/dashboard">Incidents</a>
							<a href="/dashboard/integrations">Integrations</a>
							<a href="/dashboard/silences">Silences</a>
							<form method="post" action="/dashboard/logout">
								<input type="hidden" name="csrf" value={props.csrf} />
								<button type="submit">Sign out</button>
							</form>
						</>
					)}
				</header>
				<main>{props.children}</main>
			</body>
		</html>
	);
}

export function LoginPage(props: { error?: string }) {
	return (
		<Layout title="Sign in">
			<h1>Sign in</h1>
			{props.error !== undefined && <p class="error">{props.error}</p>}
			<form method="post" action="/dashboard/login">
				<p>
					<label>
						Admin token <input type="password" name="token" autocomplete="current-password" />
					</label>
				</p>
				<button type="submit">Sign in</button>
			</form>
		</Layout>
	);
}

export function MessagePage(props: { title: string; message: string; csrf?: string }) {
	return (
		<Layout title={props.title} csrf={props.csrf}>
			<h1>{props.title}</h1>
			<p>{props.message}</p>
		</Layout>
	);
}

function Severity(props: { severity: string }) {
	return <span class={`sev ${props.severity}`}>{props.severity}</span>;
}

export type IncidentGroup = {
	channel: { id: string; name: string } | null;
	incidents: ApiIncident[];
};

export function IncidentsPage(props: { groups: IncidentGroup[]; csrf: string; now: number }) {
	const open = props.groups.reduce((n, group) => n + group.incidents.length, 0);
	return (
		<Layout title="Open incidents" csrf={props.csrf}>
			<h1>Open incidents ({open})</h1>
			{open === 0 && <p class="muted">Nothing is open.</p>}
			{props.groups
				.filter((group) => group.incidents.length > 0)
				.map((group) => (
					<section>
						<h2>{group.channel === null ? "Unrouted (no channel)" : group.channel.name}</h2>
						<table>
							<thead>
								<tr>
									<th>Severity</th>
									<th>Incident</th>
									<th>Status</th>
									<th>Age</th>
									<th>Alerts</th>
								</tr>
							</thead>
							<tbody>
								{group.incidents.map((incident) => (
									<tr data-incident={incident.id}>
										<td>
											<Severity severity={incident.severity} />
										</td>
										<td>
											<a href={`/dashboard/incidents/${incident.id}`}>{incident.title}</a>
										</td>
										<td class="status">{incident.status}</td>
										<td>{age(incident.opened_at, props.now)}</td>
										<td>{incident.alert_count}</td>
									</tr>
								))}
							</tbody>
						</table>
					</section>
				))}
		</Layout>
	);
}

function Labels(props: { labels: Record<string, string> }) {
	return (
		<>
			{Object.entries(props.labels).map(([name, value]) => (
				<span class="label">{`${name}=${value}`}</span>
			))}
		</>
	);
}

export function IncidentPage(props: {
	incident: ApiIncident & { alerts: ApiAlert[] };
	channel: string;
	integration: string;
	csrf: string;
	now: number;
}) {
	const { incident } = props;
	const action = (verb: "acknowledge" | "resolve", label: string) => (
		<form class="inline" method="post" action={`/dashboard/incidents/${incident.id}/${verb}`}>
			<input type="hidden" name="csrf" value={props.csrf} />
			<button type="submit">{label}</button>
		</form>
	);
	return (
		<Layout title={incident.title} csrf={props.csrf}>
			<h1>
				<Severity severity={incident.severity} /> {incident.title}
			</h1>
			<p>
				Status <strong id="status">{incident.status}</strong> · opened{" "}
				{age(incident.opened_at, props.now)} ago · {incident.alert_count} alert
				{incident.alert_count === 1 ? "" : "s"} · channel {props.channel} · integration{" "}
				{props.integration}
			</p>
			<p>
				{incident.status === "triggered" && action("acknowledge", "Acknowledge")}{" "}
				{incident.status !== "resolved" && action("resolve", "Resolve")}
			</p>
			<h2>Alerts</h2>
			<AlertTable alerts={incident.alerts} now={props.now} />
		</Layout>
	);
}

/** What mutes an alert, as marks: silenced, inhibited, flapping (none: nothing). */
function Marks(props: { alert: ApiAlert }) {
	const { alert } = props;
	return (
		<>
			{alert.silenced_by !== null && (
				<span class="mark" title={`silence ${alert.silenced_by}`}>
					silenced
				</span>
			)}
			{alert.inhibited_by !== null && (
				<span class="mark" title={`inhibited by alert ${alert.inhibited_by}`}>
					inhibited
				</span>
			)}
			{alert.flapping && <span class="mark">flapping</span>}
		</>
	);
}

function AlertTable(props: { alerts: ApiAlert[]; now: number }) {
	return (
		<table>
			<thead>
				<tr>
					<th>Severity</th>
					<th>Alert</th>
					<th>Status</th>
					<th>Events</th>
					<th>Last event</th>
				</tr>
			</thead>
			<tbody>
				{props.alerts.map((alert) => (
					<tr data-alert={alert.alert_key}>
						<td>
							<Severity severity={alert.severity} />
						</td>
						<td>
							{alert.title}
							<div class="muted">{alert.alert_key}</div>
							<Labels labels={alert.labels} />
						</td>
						<td>
							{alert.status} <Marks alert={alert} />
						</td>
						<td>{alert.event_count}</td>
						<td>{age(alert.last_event_at, props.now)} ago</td>
					</tr>
				))}
			</tbody>
		</table>
	);
}

/** An integration's firing alerts, muted ones marked (they open no incident, so show only here). */
export function IntegrationPage(props: {
	name: string;
	alerts: ApiAlert[];
	csrf: string;
	now: number;
}) {
	const muted = props.alerts.filter(
		(alert) => alert.silenced_by !== null || alert.inhibited_by !== null || alert.flapping,
	).length;
	return (
		<Layout title={props.name} csrf={props.csrf}>
			<h1>{props.name}</h1>
			<p>
				{props.alerts.length} firing alert{props.alerts.length === 1 ? "" : "s"} shown, {muted}{" "}
				muted (silenced, inhibited or flapping: they page nobody until nothing mutes them).
			</p>
			<AlertTable alerts={props.alerts} now={props.now} />
		</Layout>
	);
}

function Matchers(props: { matchers: Condition[] }) {
	return (
		<>
			{props.matchers.map((m) => (
				<span class="label">
					{m.field} {m.op}
					{m.value === undefined ? "" : ` ${Array.isArray(m.value) ? m.value.join("|") : m.value}`}
				</span>
			))}
		</>
	);
}

/** Silences (maintenance windows included) and inhibit rules. */
export function SilencesPage(props: {
	silences: SilenceView[];
	rules: InhibitRuleView[];
	csrf: string;
}) {
	return (
		<Layout title="Silences" csrf={props.csrf}>
			<h1>Silences</h1>
			<table>
				<thead>
					<tr>
						<th>Status</th>
						<th>Silence</th>
						<th>When</th>
					</tr>
				</thead>
				<tbody>
					{props.silences.map((silence) => (
						<tr data-silence={silence.id}>
							<td>{silence.status}</td>
							<td>
								{silence.comment}
								<div class="muted">by {silence.created_by}</div>
								<Matchers matchers={silence.matchers} />
							</td>
							<td>
								{silence.schedule === null ? (
									`until ${silence.ends_at}`
								) : (
									<>
										{`${silence.schedule.days.join(", ")} ${silence.schedule.start}–${silence.schedule.end} ${silence.schedule.time_zone}`}
										{silence.next_change_at !== null && (
											<div class="muted">next change {silence.next_change_at}</div>
										)}
									</>
								)}
							</td>
						</tr>
					))}
				</tbody>
			</table>
			{props.silences.length === 0 && <p class="muted">No silences.</p>}
			<h2>Inhibit rules</h2>
			<table>
				<thead>
					<tr>
						<th>While this fires</th>
						<th>Mute</th>
						<th>Equal labels</th>
					</tr>
				</thead>
				<tbody>
					{props.rules.map((rule) => (
						<tr data-rule={rule.id}>
							<td>
								<Matchers matchers={rule.source_matchers} />
							</td>
							<td>
								<Matchers matchers={rule.target_matchers} />
							</td>
							<td>{rule.equal.join(", ")}</td>
						</tr>
					))}
				</tbody>
			</table>
			{props.rules.length === 0 && <p class="muted">No inhibit rules.</p>}
		</Layout>
	);
}

export type IntegrationRowView = {
	id: string;
	name: string;
	type: string;
	last_event_at: string | null;
	event_count: number;
	deduplicated_count: number;
	unrouted_count: number;
	rate_limited_count: number;
	refused_count: Record<string, number>;
	failed_deliveries: number;
};

/** Refusals in all, with each code's count in the cell's title. */
function Refused(props: { counts: Record<string, number> }) {
	const entries = Object.entries(props.counts);
	const total = entries.reduce((sum, [, count]) => sum + count, 0);
	return (
		<td class="refused" title={entries.map(([code, count]) => `${code}: ${count}`).join(", ")}>
			{total}
			{entries.length > 0 && (
				<div class="muted">{entries.map(([code, count]) => `${code} ${count}`).join(", ")}</div>
			)}
		</td>
	);
}

export function IntegrationsPage(props: {
	integrations: IntegrationRowView[];
	csrf: string;
	now: number;
}) {
	return (
		<Layout title="Integrations" csrf={props.csrf}>
			<h1>Integrations</h1>
			<table>
				<thead>
					<tr>
						<th>Integration</th>
						<th>Type</th>
						<th>Last event</th>
						<th>Pushes</th>
						<th>Deduplicated</th>
						<th>Unrouted</th>
						<th>Rate-limited</th>
						<th>Refused</th>
						<th>Failed deliveries</th>
					</tr>
				</thead>
				<tbody>
					{props.integrations.map((row) => (
						<tr data-integration={row.id}>
							<td>
								<a href={`/dashboard/integrations/${row.id}`}>{row.name}</a>
							</td>
							<td>{row.type}</td>
							<td>
								{row.last_event_at === null ? (
									<span class="muted">never: not wired yet</span>
								) : (
									`${age(row.last_event_at, props.now)} ago`
								)}
							</td>
							<td>{row.event_count}</td>
							<td>{row.deduplicated_count}</td>
							<td>{row.unrouted_count}</td>
							<td>{row.rate_limited_count}</td>
							<Refused counts={row.refused_count} />
							<td>{row.failed_deliveries}</td>
						</tr>
					))}
				</tbody>
			</table>
		</Layout>
	);
}
