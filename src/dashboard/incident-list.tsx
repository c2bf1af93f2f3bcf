import type { ApiIncident } from "../incidents/incident";
import {
	Ago,
	ChannelLink,
	IntegrationLink,
	Layout,
	SeverityBadge,
	Table,
	type Viewer,
} from "./layout";

/**
 * The incident list: open and resolved, newest first, a page at a time, filtered by a plain GET
 * form whose fields are the API's query parameters, so a filtered view is a link to share.
 */

/** The list's filters as the form shows them (strings, as they go in the address). */
export type ListFilters = {
	/** open (the default), triggered, acknowledged, resolved, or all. */
	status: string;
	severity: string;
	/** A channel's id, `unrouted`, or "" for any. */
	channel_id: string;
	integration_id: string;
	/** `YYYY-MM-DDTHH:MM`, UTC, as a datetime-local field holds it. */
	opened_since: string;
	opened_before: string;
};

export const STATUS_CHOICES = ["open", "triggered", "acknowledged", "resolved", "all"] as const;
const SEVERITY_CHOICES = ["critical", "warning", "info"] as const;

export function IncidentListPage(props: {
	incidents: ApiIncident[];
	filters: ListFilters;
	/** What is wrong with the filters (the list is then empty). */
	problem: string | null;
	/** The channels the form offers (a page of them), by id. */
	channels: Map<string, string>;
	channelNames: Map<string, string>;
	integrationNames: Map<string, string>;
	/** The address of the next (older) page, and of the first when this is not it. */
	next: string | null;
	first: string | null;
	viewer: Viewer;
	now: number;
}) {
	const { filters } = props;
	return (
		<Layout title="Incidents" viewer={props.viewer}>
			<h1>Incidents</h1>
			<form class="filters" method="get" action="/dashboard/incidents">
				<label>
					Status
					<select name="status">
						{STATUS_CHOICES.map((value) => (
							<option value={value} selected={filters.status === value}>
								{value}
							</option>
						))}
					</select>
				</label>
				<label>
					Severity
					<select name="severity">
						<option value="">any</option>
						{SEVERITY_CHOICES.map((value) => (
							<option value={value} selected={filters.severity === value}>
								{value}
							</option>
						))}
					</select>
				</label>
				<label>
					Channel
					<select name="channel_id">
						<option value="">any</option>
						<option value="unrouted" selected={filters.channel_id === "unrouted"}>
							unrouted (no channel)
						</option>
						{[...props.channels].map(([id, name]) => (
							<option value={id} selected={filters.channel_id === id}>
								{name}
							</option>
						))}
					</select>
				</label>
				<label>
					Opened since (UTC)
					<input type="datetime-local" name="opened_since" value={filters.opened_since} />
				</label>
				<label>
					Opened before (UTC)
					<input type="datetime-local" name="opened_before" value={filters.opened_before} />
				</label>
				{filters.integration_id !== "" && (
					<label>
						Integration
						<select name="integration_id">
							<option value={filters.integration_id} selected>
								{props.integrationNames.get(filters.integration_id) ?? filters.integration_id}
							</option>
							<option value="">any</option>
						</select>
					</label>
				)}
				<button type="submit">Filter</button>
				<a href="/dashboard/incidents">Reset</a>
			</form>
			{props.problem !== null && <p class="error">{props.problem}</p>}
			{props.problem === null && props.incidents.length === 0 && (
				<p class="muted">No incidents match.</p>
			)}
			{props.incidents.length > 0 && (
				<IncidentTable
					incidents={props.incidents}
					channelNames={props.channelNames}
					integrationNames={props.integrationNames}
					now={props.now}
				/>
			)}
			<p class="pager">
				{props.first !== null && <a href={props.first}>Newest</a>}
				{props.next !== null && (
					<a href={props.next} rel="next">
						Older incidents
					</a>
				)}
			</p>
		</Layout>
	);
}

/** Incidents as rows; on a phone each row stacks its cells, each named. */
export function IncidentTable(props: {
	incidents: ApiIncident[];
	channelNames: Map<string, string>;
	integrationNames: Map<string, string>;
	now: number;
}) {
	return (
		<Table
			head={["Severity", "Incident", "Status", "Channel", "Integration", "Opened", "Alerts"]}
			class="stack"
		>
			{props.incidents.map((incident) => (
				<tr data-incident={incident.id}>
					<td>
						<SeverityBadge severity={incident.severity} />
					</td>
					<td>
						<a href={`/dashboard/incidents/${encodeURIComponent(incident.id)}`}>{incident.title}</a>
					</td>
					<td class="status" data-th="Status">
						{incident.status}
					</td>
					<td class="channel" data-th="Channel">
						<ChannelLink id={incident.channel_id} names={props.channelNames} />
					</td>
					<td data-th="Integration">
						<IntegrationLink id={incident.integration_id} names={props.integrationNames} />
					</td>
					<td data-th="Opened">
						<Ago at={incident.opened_at} now={props.now} />
					</td>
					<td data-th="Alerts">{incident.alert_count}</td>
				</tr>
			))}
		</Table>
	);
}
