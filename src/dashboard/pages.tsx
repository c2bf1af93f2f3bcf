import type { InhibitRuleView } from "../admin/inhibit-rules";
import type { SilenceView } from "../admin/silences";
import type { ApiAlert } from "../alerts/alert";
import type { ApiChange } from "../changes/change";
import type { IncidentDetail } from "../durable/contract";
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

export function AlertTable(props: { alerts: ApiAlert[]; now: number }) {
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
