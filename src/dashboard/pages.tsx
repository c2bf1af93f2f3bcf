import type { InhibitRuleView } from "../admin/inhibit-rules";
import type { SilenceView } from "../admin/silences";
import { type ApiAlert, isMuted } from "../alerts/alert";
import type { ApiChange } from "../changes/change";
import type { HeartbeatView, IncidentDetail, PingView, PreviewData } from "../durable/contract";
import type { ApiIncident } from "../incidents/incident";
import type { Condition } from "../routing/rules";
import { age, LabelList, Layout, SeverityBadge } from "./layout";

/**
 * The dashboard's pages: server-rendered HTML, no script, readable on a phone.
 */

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
											<SeverityBadge severity={incident.severity} />
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

export function IncidentPage(props: {
	incident: IncidentDetail;
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
				<SeverityBadge severity={incident.severity} /> {incident.title}
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
			<h2>Recent changes</h2>
			{incident.recent_changes.length === 0 ? (
				<p class="muted">No change events in the hour before it opened.</p>
			) : (
				<ChangeTable changes={incident.recent_changes} openedAt={incident.opened_at} />
			)}
		</Layout>
	);
}

/** Only http(s) links are followed from the dashboard (change events keep no other). */
const WEB_LINK = /^https?:\/\//i;

/** The integration's change events before an incident opened, newest first. */
function ChangeTable(props: { changes: ApiChange[]; openedAt: string }) {
	const opened = Date.parse(props.openedAt);
	return (
		<table>
			<thead>
				<tr>
					<th>Before</th>
					<th>Change</th>
					<th>Links</th>
				</tr>
			</thead>
			<tbody>
				{props.changes.map((change) => (
					<tr data-change={change.id}>
						<td title={change.timestamp}>{age(change.timestamp, opened)}</td>
						<td>
							{change.summary}
							{change.source !== null && <div class="muted">{change.source}</div>}
						</td>
						<td>
							{change.links.map((link) =>
								WEB_LINK.test(link.href) ? (
									<div>
										<a href={link.href} rel="noopener noreferrer">
											{link.text ?? link.href}
										</a>
									</div>
								) : null,
							)}
						</td>
					</tr>
				))}
			</tbody>
		</table>
	);
}

/**
 * What mutes an alert, as marks: silenced (or in a maintenance window, as `muted_by` says),
 * inhibited, suppressed, flapping (none: nothing).
 */
function Marks(props: { alert: ApiAlert }) {
	const { alert } = props;
	return (
		<>
			{alert.silenced_by !== null &&
				(alert.muted_by === "maintenance_window" ? (
					<span class="mark" title={`maintenance window ${alert.silenced_by}`}>
						maintenance window
					</span>
				) : (
					<span class="mark" title={`silence ${alert.silenced_by}`}>
						silenced
					</span>
				))}
			{alert.inhibited_by !== null && (
				<span class="mark" title={`inhibited by alert ${alert.inhibited_by}`}>
					inhibited
				</span>
			)}
			{alert.suppressed_by !== null && (
				<span class="mark" title={`its sender suppressed its actions: ${alert.suppressed_by}`}>
					suppressed
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
							<SeverityBadge severity={alert.severity} />
						</td>
						<td>
							{alert.title}
							<div class="muted">{alert.alert_key}</div>
							<LabelList labels={alert.labels} />
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

/** What the preview form showed: the body pasted, and what a push of it would become. */
export type PreviewOutcome = { data: PreviewData } | { refused: string };
export type PreviewView = { body: string; outcome: PreviewOutcome };

/**
 * An integration's firing alerts, muted ones marked (they open no incident, so show only here),
 * and the preview: a body pasted as its sender would push it, and what it would become.
 */
export function IntegrationPage(props: {
	id: string;
	name: string;
	type: string;
	alerts: ApiAlert[];
	/** A heartbeat's state and latest pings (null: another type). */
	heartbeat?: { view: HeartbeatView; pings: PingView[] } | null;
	preview: PreviewView | null;
	channelNames: Map<string, string>;
	csrf: string;
	now: number;
}) {
	const muted = props.alerts.filter(isMuted).length;
	return (
		<Layout title={props.name} csrf={props.csrf}>
			<h1>{props.name}</h1>
			<p>
				{props.alerts.length} firing alert{props.alerts.length === 1 ? "" : "s"} shown, {muted}{" "}
				muted (silenced, inhibited, flapping or suppressed by their sender: they page nobody until
				nothing mutes them).
			</p>
			<AlertTable alerts={props.alerts} now={props.now} />
			{props.heartbeat && <HeartbeatSection {...props.heartbeat} />}
			<h2>Preview a push</h2>
			<p class="muted">
				Paste a body exactly as the sender pushes it (this is a {props.type} integration): see the
				alerts it would become and where they would go. Nothing is stored.
			</p>
			<form method="post" action={`/dashboard/integrations/${props.id}/preview`}>
				<input type="hidden" name="csrf" value={props.csrf} />
				<textarea name="body" rows={10} required>
					{props.preview?.body ?? ""}
				</textarea>
				<button type="submit">Preview</button>
			</form>
			{props.preview !== null && (
				<PreviewResult outcome={props.preview.outcome} channelNames={props.channelNames} />
			)}
		</Layout>
	);
}

/** A heartbeat's state, when it is due, and its latest pings with their run times. */
function HeartbeatSection(props: { view: HeartbeatView; pings: PingView[] }) {
	const { view } = props;
	return (
		<section id="heartbeat">
			<h2>Heartbeat: {view.status}</h2>
			<p>
				{`Last ping ${view.last_ping_at ?? "never"}${view.last_ping_kind ? ` (${view.last_ping_kind})` : ""}, next due ${view.next_due_at ?? "—"}, down at ${view.down_at ?? "—"}${view.down_reason ? `, down: ${view.down_reason}` : ""}.`}
			</p>
			<table>
				<thead>
					<tr>
						<th>At</th>
						<th>Kind</th>
						<th>Exit status</th>
						<th>Run time</th>
						<th>Output</th>
					</tr>
				</thead>
				<tbody>
					{props.pings.map((ping) => (
						<tr>
							<td>{ping.at}</td>
							<td>{ping.kind}</td>
							<td>{ping.exit_status ?? ""}</td>
							<td>{ping.run_ms === null ? "" : `${(ping.run_ms / 1000).toFixed(1)} s`}</td>
							<td>{ping.body.slice(0, 200)}</td>
						</tr>
					))}
				</tbody>
			</table>
		</section>
	);
}

function PreviewResult(props: { outcome: PreviewOutcome; channelNames: Map<string, string> }) {
	if ("refused" in props.outcome) {
		return (
			<p id="preview" class="error">
				A push of this body would be refused: {props.outcome.refused}
			</p>
		);
	}
	const { alerts, dropped, note } = props.outcome.data;
	return (
		<section id="preview">
			<p>
				{alerts.length} alert{alerts.length === 1 ? "" : "s"}
				{dropped > 0 && `, and ${dropped} dropped by the pipeline`}.{note && ` ${note}.`}
			</p>
			<table>
				<thead>
					<tr>
						<th>Severity</th>
						<th>Alert</th>
						<th>Status</th>
						<th>Channels</th>
					</tr>
				</thead>
				<tbody>
					{alerts.map((alert) => (
						<tr data-preview={alert.alert_key}>
							<td>{alert.severity !== null && <SeverityBadge severity={alert.severity} />}</td>
							<td>
								{alert.title}
								<div class="muted">{alert.alert_key}</div>
								<LabelList labels={alert.labels} />
							</td>
							<td>
								{alert.status}
								{alert.silenced_by !== null && <span class="mark">silenced</span>}
								{alert.suppressed_by !== null && <span class="mark">suppressed</span>}
							</td>
							<td>
								{alert.channels.length === 0
									? "none (unrouted)"
									: alert.channels.map((id) => props.channelNames.get(id) ?? id).join(", ")}
							</td>
						</tr>
					))}
				</tbody>
			</table>
		</section>
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
	dropped_count: number;
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
						<th>Dropped</th>
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
							<td>{row.dropped_count}</td>
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
