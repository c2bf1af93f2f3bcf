import type { InhibitRuleView } from "../admin/inhibit-rules";
import type { SilenceView } from "../admin/silences";
import type { ApiAlert } from "../alerts/alert";
import type { Condition } from "../routing/rules";
import { Ago, AlertCell, Layout, SeverityBadge, Table, type Viewer } from "./layout";

/**
 * The dashboard's smaller pages (integrations, silences) and the alert table an integration's
 * page shows: server-rendered HTML, no script, readable on a phone. Tables scroll in their own
 * box when wider than the screen; the page itself never does.
 */

/**
 * What mutes an alert, as marks: silenced (or in a maintenance window, as `muted_by` says),
 * inhibited, suppressed, flapping (none: nothing).
 */
export function Marks(props: { alert: ApiAlert }) {
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
		<Table head={["Severity", "Alert", "Status", "Events", "Last event"]}>
			{props.alerts.map((alert) => (
				<tr data-alert={alert.alert_key}>
					<td>
						<SeverityBadge severity={alert.severity} />
					</td>
					<AlertCell alert={alert} />
					<td>
						{alert.status} <Marks alert={alert} />
					</td>
					<td>{alert.event_count}</td>
					<td>
						<Ago at={alert.last_event_at} now={props.now} />
					</td>
				</tr>
			))}
		</Table>
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
	viewer: Viewer;
}) {
	return (
		<Layout title="Silences" viewer={props.viewer}>
			<h1>Silences</h1>
			<Table head={["Status", "Silence", "When"]}>
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
			</Table>
			{props.silences.length === 0 && <p class="muted">No silences.</p>}
			<h2>Inhibit rules</h2>
			<Table head={["While this fires", "Mute", "Equal labels"]}>
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
			</Table>
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
	viewer: Viewer;
	now: number;
}) {
	return (
		<Layout title="Integrations" viewer={props.viewer}>
			<h1>Integrations</h1>
			<Table
				head={[
					"Integration",
					"Type",
					"Last event",
					"Pushes",
					"Deduplicated",
					"Unrouted",
					"Dropped",
					"Rate-limited",
					"Refused",
					"Failed deliveries",
				]}
			>
				{props.integrations.map((row) => (
					<tr data-integration={row.id}>
						<td>
							<a href={`/dashboard/integrations/${encodeURIComponent(row.id)}`}>{row.name}</a>
						</td>
						<td class="nowrap">{row.type}</td>
						<td>
							{row.last_event_at === null ? (
								<span class="muted">never: not wired yet</span>
							) : (
								<Ago at={row.last_event_at} now={props.now} />
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
			</Table>
		</Layout>
	);
}
