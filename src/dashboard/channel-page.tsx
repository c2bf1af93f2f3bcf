import type { ChannelRow } from "../db/channels";
import type { ApiIncident } from "../incidents/incident";
import type { Target } from "../notify/target";
import { IncidentTable } from "./incident-list";
import { IntegrationLink, Layout, Table, type Viewer } from "./layout";

/**
 * A channel: what it is for, how it groups alerts into incidents, where it tells people, what
 * routes into it, and what is open in it.
 */
export function ChannelPage(props: {
	channel: ChannelRow;
	targets: Target[];
	/** Integrations that send it everything, and those whose routes or default lead to it. */
	privateIntegrations: string[];
	routingIntegrations: string[];
	incidents: ApiIncident[];
	/** More open incidents than are shown. */
	more: boolean;
	integrationNames: Map<string, string>;
	viewer: Viewer;
	now: number;
}) {
	const { channel } = props;
	const names = new Map([[channel.id, channel.name]]);
	const integrations = (ids: string[]) =>
		ids.map((id, i) => (
			<>
				{i > 0 && ", "}
				<IntegrationLink id={id} names={props.integrationNames} />
			</>
		));
	const allIncidents = `/dashboard/incidents?status=all&channel_id=${encodeURIComponent(channel.id)}`;
	return (
		<Layout title={channel.name} viewer={props.viewer}>
			<h1>{channel.name}</h1>
			{channel.description !== "" && <p class="description">{channel.description}</p>}
			<dl class="facts">
				<dt>Grouping</dt>
				<dd id="grouping">
					{channel.group_by.length === 0
						? "none: each alert opens its own incident"
						: `alerts with the same ${channel.group_by.join(", ")} join one open incident${
								channel.group_window === null ? "" : ` opened less than ${channel.group_window} ago`
							}`}
				</dd>
				<dt>Private to</dt>
				<dd id="private">
					{props.privateIntegrations.length === 0 ? (
						<span class="muted">no integration</span>
					) : (
						integrations(props.privateIntegrations)
					)}
				</dd>
				<dt>Routed from</dt>
				<dd id="routed">
					{props.routingIntegrations.length === 0 ? (
						<span class="muted">no integration's routes or default</span>
					) : (
						integrations(props.routingIntegrations)
					)}
				</dd>
				<dt>Id</dt>
				<dd>
					<code>{channel.id}</code>
				</dd>
			</dl>
			<h2>Notification targets</h2>
			{props.targets.length === 0 ? (
				<p class="muted">None: its incidents are shown here and told to no one.</p>
			) : (
				<TargetTable targets={props.targets} />
			)}
			<h2>Open incidents</h2>
			{props.incidents.length === 0 ? (
				<p class="muted">Nothing is open.</p>
			) : (
				<IncidentTable
					incidents={props.incidents}
					channelNames={names}
					integrationNames={props.integrationNames}
					now={props.now}
				/>
			)}
			<p class="pager">
				<a href={allIncidents}>{props.more ? "More, and resolved ones" : "Resolved ones too"}</a>
			</p>
		</Layout>
	);
}

/**
 * Targets by type and name, what they are told and when. No URL and no secret: a Slack or
 * Teams URL is itself the credential, so only a webhook's host is shown, which says where
 * notifications go without letting anyone post there.
 */
function TargetTable(props: { targets: Target[] }) {
	return (
		<Table head={["Type", "Name", "Told of", "When"]}>
			{props.targets.map((target) => (
				<tr data-target={target.id}>
					<td>{target.type}</td>
					<td>
						{target.name}
						{target.type === "webhook" && (
							<div class="muted">{URL.parse(target.url)?.host ?? ""}</div>
						)}
					</td>
					<td>
						{target.events.map((event) => event.replace("incident.", "")).join(", ")}
						<div class="muted">{target.min_severity} and above</div>
					</td>
					<td>
						{target.delay === "0s" ? "at once" : `after ${target.delay} unacknowledged`}
						{target.repeat_every !== null && (
							<div class="muted">
								{`repeated every ${target.repeat_every}, ${target.repeat_times} times`}
							</div>
						)}
					</td>
				</tr>
			))}
		</Table>
	);
}
