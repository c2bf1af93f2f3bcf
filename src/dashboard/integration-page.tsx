import { type ApiAlert, isMuted } from "../alerts/alert";
import type { HeartbeatView, PingView, PreviewData } from "../durable/contract";
import { LabelList, Layout, SeverityBadge } from "./layout";
import { AlertTable } from "./pages";

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
