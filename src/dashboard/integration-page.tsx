import { type ApiAlert, isMuted } from "../alerts/alert";
import type { HeartbeatView, PingView, PreviewData } from "../durable/contract";
import {
	Ago,
	AlertCell,
	ChannelLink,
	Layout,
	may,
	SeverityBadge,
	Table,
	type Viewer,
} from "./layout";
import { AlertTable, type IntegrationRowView } from "./pages";

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
	counters: IntegrationRowView;
	/** The channel it is private to (null: shared, routed by its routes). */
	channelId: string | null;
	alerts: ApiAlert[];
	/** A heartbeat's state and latest pings (null: another type). */
	heartbeat?: { view: HeartbeatView; pings: PingView[] } | null;
	preview: PreviewView | null;
	channelNames: Map<string, string>;
	viewer: Viewer;
	now: number;
}) {
	const muted = props.alerts.filter(isMuted).length;
	return (
		<Layout title={props.name} viewer={props.viewer}>
			<h1>{props.name}</h1>
			<Counters
				counters={props.counters}
				channelId={props.channelId}
				channelNames={props.channelNames}
				now={props.now}
			/>
			<p class="pager">
				<a href={`/dashboard/incidents?status=all&integration_id=${encodeURIComponent(props.id)}`}>
					Its incidents
				</a>
			</p>
			<h2>Firing alerts</h2>
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
			{may(props.viewer, "write") ? (
				<form method="post" action={`/dashboard/integrations/${props.id}/preview`}>
					<input type="hidden" name="csrf" value={props.viewer.csrf} />
					<textarea name="body" rows={10} required>
						{props.preview?.body ?? ""}
					</textarea>
					<button type="submit">Preview</button>
				</form>
			) : (
				<p class="muted">Previews need the write role.</p>
			)}
			{props.preview !== null && (
				<PreviewResult outcome={props.preview.outcome} channelNames={props.channelNames} />
			)}
		</Layout>
	);
}

/** What shows the integration is wired: its last push, and what became of its pushes. */
function Counters(props: {
	counters: IntegrationRowView;
	channelId: string | null;
	channelNames: Map<string, string>;
	now: number;
}) {
	const { counters } = props;
	const refused = Object.entries(counters.refused_count);
	return (
		<dl class="facts" id="counters">
			<dt>Type</dt>
			<dd>{props.counters.type}</dd>
			<dt>Channel</dt>
			<dd>
				{props.channelId === null ? (
					<span class="muted">shared: routed by its routes</span>
				) : (
					<ChannelLink id={props.channelId} names={props.channelNames} />
				)}
			</dd>
			<dt>Last push</dt>
			<dd>
				{counters.last_event_at === null ? (
					<span class="muted">never: not wired yet</span>
				) : (
					<Ago at={counters.last_event_at} now={props.now} />
				)}
			</dd>
			<dt>Pushes</dt>
			<dd data-counter="pushes">{counters.event_count}</dd>
			<dt>Deduplicated</dt>
			<dd data-counter="deduplicated">{counters.deduplicated_count}</dd>
			<dt>Unrouted</dt>
			<dd data-counter="unrouted">{counters.unrouted_count}</dd>
			<dt>Dropped</dt>
			<dd data-counter="dropped">{counters.dropped_count}</dd>
			<dt>Rate-limited</dt>
			<dd data-counter="rate-limited">{counters.rate_limited_count}</dd>
			<dt>Refused</dt>
			<dd data-counter="refused">
				{refused.reduce((sum, [, count]) => sum + count, 0)}
				{refused.length > 0 && (
					<span class="muted">
						{` (${refused.map(([code, count]) => `${code} ${count}`).join(", ")})`}
					</span>
				)}
			</dd>
			<dt>Failed deliveries</dt>
			<dd data-counter="failed-deliveries">{counters.failed_deliveries}</dd>
		</dl>
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
			<Table head={["At", "Kind", "Exit status", "Run time", "Output"]}>
				{props.pings.map((ping) => (
					<tr>
						<td>{ping.at}</td>
						<td>{ping.kind}</td>
						<td>{ping.exit_status ?? ""}</td>
						<td>{ping.run_ms === null ? "" : `${(ping.run_ms / 1000).toFixed(1)} s`}</td>
						<td>{ping.body.slice(0, 200)}</td>
					</tr>
				))}
			</Table>
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
			<Table head={["Severity", "Alert", "Status", "Channels"]}>
				{alerts.map((alert) => (
					<tr data-preview={alert.alert_key}>
						<td>{alert.severity !== null && <SeverityBadge severity={alert.severity} />}</td>
						<AlertCell alert={alert} />
						<td>
							{alert.status}
							{alert.silenced_by !== null && <span class="mark">silenced</span>}
							{alert.suppressed_by !== null && <span class="mark">suppressed</span>}
						</td>
						<td>
							{alert.channels.length === 0
								? "none (unrouted)"
								: alert.channels.map((id, i) => (
										<>
											{i > 0 && ", "}
											<ChannelLink id={id} names={props.channelNames} />
										</>
									))}
						</td>
					</tr>
				))}
			</Table>
		</section>
	);
}
