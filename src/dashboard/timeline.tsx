import type { Actor, ApiTimelineEntry } from "../incidents/timeline";
import { Ago } from "./layout";

/**
 * An incident's timeline on its page, oldest first: what happened, to whom it was told, and who
 * acted, each in a sentence. `more`: the incident has entries past those shown (the API pages
 * through all of them).
 */
export function TimelineSection(props: {
	entries: ApiTimelineEntry[];
	more: boolean;
	incidentId: string;
	now: number;
}) {
	return (
		<section id="timeline">
			<h2>Timeline</h2>
			<ol class="timeline">
				{props.entries.map((entry) => (
					<li class={`timeline-${entry.type}`}>
						<Ago at={entry.at} now={props.now} /> {describe(entry)}
					</li>
				))}
			</ol>
			{props.more && (
				<p class="muted">
					{`Only the first ${props.entries.length} entries are shown: GET /api/v1/incidents/${props.incidentId}/timeline lists them all.`}
				</p>
			)}
		</section>
	);
}

const WAYS: Record<Actor["via"], string> = {
	api: "through the admin API",
	dashboard: "in the dashboard",
	link: "through a notification's action link",
	slack: "in Slack",
	alerts: "as all its alerts resolved",
	timeout: "as its alerts timed out",
};

/** Who did it, as a sentence ends: "by @ana in Slack", "in the dashboard". */
function by(actor: Actor | undefined): string {
	if (actor === undefined) return "";
	const name = actor.name === null ? "" : ` by ${actor.name}`;
	return `${name} ${WAYS[actor.via]}`;
}

const key = (entry: ApiTimelineEntry) =>
	entry.alert_key === undefined ? "" : ` ${entry.alert_key}`;

function target(entry: ApiTimelineEntry): string {
	return `${entry.target_name ?? entry.target_id ?? "a target"} (${entry.target_type ?? "target"})`;
}

/** One entry in words; what its type carries, nothing else. */
export function describe(entry: ApiTimelineEntry): string {
	switch (entry.type) {
		case "triggered":
			return `Triggered by alert${key(entry)}${entry.severity ? ` (${entry.severity})` : ""}.`;
		case "alert_added":
			return `Alert${key(entry)} joined: ${entry.alert_count ?? "?"} alerts.`;
		case "severity_changed":
			return `Severity became ${entry.severity ?? "?"}.`;
		case "notified": {
			const outcome =
				entry.outcome === "delivered"
					? "delivered"
					: entry.outcome === "retry"
						? "not delivered, retrying"
						: "failed for good";
			const status =
				entry.status === null || entry.status === undefined ? "" : `, HTTP ${entry.status}`;
			const error = entry.error ? `: ${entry.error}` : "";
			return `Told ${target(entry)} of ${entry.event ?? "the incident"} (attempt ${entry.attempt ?? 1}): ${outcome}${status}${error}.`;
		}
		case "escalated":
			return entry.repeat === 0
				? `Escalated to ${target(entry)}, still unacknowledged after its delay.`
				: `Reminded ${target(entry)}, still unacknowledged (repeat ${entry.repeat ?? "?"}).`;
		case "acknowledged":
			return `Acknowledged${by(entry.by)}.`;
		case "resolved":
			return `Resolved${by(entry.by)}.`;
		case "silenced":
			return `Alert${key(entry)} silenced (silence ${entry.silence_id ?? "?"}).`;
		case "flapping":
			return `Alert${key(entry)} is flapping: ${entry.changes ?? "?"} state changes; held quiet until it settles.`;
		case "storm":
			return `Alert storm: ${entry.threshold ?? "?"} alerts reached.`;
		case "truncated":
			return "Later routine entries are not kept (the timeline keeps 300; its acknowledgement and resolution always).";
	}
}
