import type { ApiAlert } from "../alerts/alert";
import type { Image, Link } from "../alerts/event";
import type { ApiChange } from "../changes/change";
import type { IncidentDetail } from "../durable/contract";
import type { ApiTimelineEntry } from "../incidents/timeline";
import {
	Ago,
	age,
	ChannelLink,
	IntegrationLink,
	LabelList,
	Layout,
	may,
	SeverityBadge,
	Table,
	type Viewer,
} from "./layout";
import { Marks } from "./pages";
import { TimelineSection } from "./timeline";

/**
 * One incident: what it is, where it is, what to do about it, and each of its alerts with what
 * its sender said (description, labels, links, images). Everything a payload carries is text
 * here: JSX escapes it, and a URL becomes a link only with a web scheme (`webUrl`).
 */

export function IncidentPage(props: {
	incident: IncidentDetail;
	channelNames: Map<string, string>;
	integrationNames: Map<string, string>;
	timeline: ApiTimelineEntry[];
	moreTimeline: boolean;
	viewer: Viewer;
	now: number;
}) {
	const { incident } = props;
	const action = (verb: "acknowledge" | "resolve", label: string) => (
		<form class="inline" method="post" action={`${incidentPath(incident.id)}/${verb}`}>
			<input type="hidden" name="csrf" value={props.viewer.csrf} />
			<button type="submit">{label}</button>
		</form>
	);
	return (
		<Layout title={incident.title} viewer={props.viewer}>
			<h1>
				<SeverityBadge severity={incident.severity} /> {incident.title}
			</h1>
			<dl class="facts">
				<dt>Status</dt>
				<dd>
					<strong id="status">{incident.status}</strong>
					{incident.resolved_by !== null && ` (by ${incident.resolved_by})`}
				</dd>
				<dt>Channel</dt>
				<dd id="channel">
					<ChannelLink id={incident.channel_id} names={props.channelNames} />
				</dd>
				<dt>Integration</dt>
				<dd id="integration">
					<IntegrationLink id={incident.integration_id} names={props.integrationNames} />
				</dd>
				<dt>Opened</dt>
				<dd>
					<Ago at={incident.opened_at} now={props.now} />
				</dd>
				{incident.acknowledged_at !== null && (
					<>
						<dt>Acknowledged</dt>
						<dd>
							<Ago at={incident.acknowledged_at} now={props.now} />
						</dd>
					</>
				)}
				{incident.resolved_at !== null && (
					<>
						<dt>Resolved</dt>
						<dd>
							<Ago at={incident.resolved_at} now={props.now} />
						</dd>
					</>
				)}
				<dt>Alerts</dt>
				<dd>{incident.alert_count}</dd>
				<dt>Id</dt>
				<dd>
					<code>{incident.id}</code>
				</dd>
			</dl>
			<p>
				{may(props.viewer, "write") &&
					incident.status === "triggered" &&
					action("acknowledge", "Acknowledge")}{" "}
				{may(props.viewer, "write") &&
					incident.status !== "resolved" &&
					action("resolve", "Resolve")}
			</p>
			<TimelineSection
				entries={props.timeline}
				more={props.moreTimeline}
				incidentId={incident.id}
				now={props.now}
			/>
			<h2>Alerts</h2>
			{incident.alerts.map((alert) => (
				<AlertCard alert={alert} incidentId={incident.id} viewer={props.viewer} now={props.now} />
			))}
			<h2>Recent changes</h2>
			{incident.recent_changes.length === 0 ? (
				<p class="muted">No change events in the hour before it opened.</p>
			) : (
				<ChangeTable changes={incident.recent_changes} openedAt={incident.opened_at} />
			)}
		</Layout>
	);
}

const incidentPath = (id: string) => `/dashboard/incidents/${encodeURIComponent(id)}`;

/** One alert with all its sender said, and the action that quiets just this alert. */
function AlertCard(props: { alert: ApiAlert; incidentId: string; viewer: Viewer; now: number }) {
	const { alert } = props;
	return (
		<article class="card" data-alert={alert.alert_key}>
			<h3>
				<SeverityBadge severity={alert.severity} /> {alert.title}
			</h3>
			<p>
				<span class="status">{alert.status}</span> <Marks alert={alert} /> · {alert.event_count}{" "}
				event{alert.event_count === 1 ? "" : "s"} · first{" "}
				<Ago at={alert.first_event_at} now={props.now} />
				{" · "}last <Ago at={alert.last_event_at} now={props.now} />
			</p>
			<p class="muted">
				key <code>{alert.alert_key}</code>
			</p>
			{alert.description !== "" && <div class="description">{alert.description}</div>}
			<LabelList labels={alert.labels} />
			{alert.links.length > 0 && <LinkList links={alert.links} />}
			{alert.images.length > 0 && <ImageList images={alert.images} />}
			{may(props.viewer, "write") && alert.status === "firing" && alert.silenced_by === null && (
				<form method="post" action={`${incidentPath(props.incidentId)}/silence`}>
					<input type="hidden" name="csrf" value={props.viewer.csrf} />
					<input type="hidden" name="alert_key" value={alert.alert_key} />
					<button type="submit">Silence this alert for 1 hour</button>
				</form>
			)}
		</article>
	);
}

/**
 * A URL a person may follow from the dashboard: http or https only, parsed (so `javascript:`,
 * `data:` and the like, in any case or with leading blanks, are never links). `https`: images,
 * which should not take the viewer to a plain-http host.
 */
export function webUrl(href: string, schemes: readonly string[] = ["http:", "https:"]) {
	const url = URL.parse(href);
	return url !== null && schemes.includes(url.protocol) && url.host !== "" ? url.href : null;
}

/** Links as anchors that neither give the page to nor tell the other site where they came from. */
function LinkList(props: { links: Link[] }) {
	return (
		<ul class="links">
			{props.links.map((link) => {
				const href = webUrl(link.href);
				return href === null ? (
					<li class="not-link">
						{link.text ?? link.href} <span class="muted">(not a web link: {link.href})</span>
					</li>
				) : (
					<li>
						<a href={href} rel="noopener noreferrer">
							{link.text ?? link.href}
						</a>
					</li>
				);
			})}
		</ul>
	);
}

/**
 * Images as links, never loaded: the CSP lets the page load nothing, and fetching a sender's URL
 * on every view would tell that host who looks at the incident, and when.
 */
function ImageList(props: { images: Image[] }) {
	return (
		<ul class="images">
			{props.images.map((image, i) => {
				const src = webUrl(image.src, ["https:"]);
				const name = image.alt ?? `image ${i + 1}`;
				return src === null ? (
					<li class="not-link">
						{name} <span class="muted">(not an https image: {image.src})</span>
					</li>
				) : (
					<li>
						<a href={src} rel="noopener noreferrer">
							{`Image: ${name}`}
						</a>
					</li>
				);
			})}
		</ul>
	);
}

/** The integration's change events before an incident opened, newest first. */
function ChangeTable(props: { changes: ApiChange[]; openedAt: string }) {
	const opened = Date.parse(props.openedAt);
	return (
		<Table head={["Before", "Change", "Links"]}>
			{props.changes.map((change) => (
				<tr data-change={change.id}>
					<td title={change.timestamp}>{age(change.timestamp, opened)}</td>
					<td>
						{change.summary}
						{change.source !== null && <div class="muted">{change.source}</div>}
					</td>
					<td>
						{change.links.map((link) => {
							const href = webUrl(link.href);
							return href === null ? null : (
								<div>
									<a href={href} rel="noopener noreferrer">
										{link.text ?? link.href}
									</a>
								</div>
							);
						})}
					</td>
				</tr>
			))}
		</Table>
	);
}
