import type { Mapping } from "./settings";

/**
 * Mappings for senders whose webhook cannot be changed (or is tedious to), each beside the public
 * page that documents its payload. A preset is a starting point: settings take its mapping and may
 * change any field. Golden fixtures in `fixtures/` hold each sender's documented payload and what
 * the preset makes of it.
 */
export type Preset = { source: string; mapping: Mapping };

export const PRESETS = {
	/**
	 * Grafana OnCall's "Formatted Webhook" format, which tools that already speak to OnCall send
	 * (Uptime Kuma's and LibreNMS's OnCall notifiers): `state: "ok"` resolves, as OnCall's own
	 * resolve condition reads it; without `alert_uid` a resolution cannot be matched.
	 */
	grafana_oncall: {
		source:
			"https://github.com/grafana/oncall/blob/dev/engine/config_integrations/formatted_webhook.py",
		mapping: {
			alert_key: "alert_uid",
			status: '$uppercase(state) = "OK" ? "resolved" : "firing"',
			title: "title",
			description: "message",
			links: '[{"href": link_to_upstream_details, "text": "Source"}]',
		},
	},

	/**
	 * Uptime Kuma's Webhook notification with the "application/json" body: `{heartbeat, monitor,
	 * msg}`. Down (0) fires and up (1) resolves, keyed by the monitor; the test notification (no
	 * heartbeat), pending (2) and maintenance (3) make no alert. `heartbeat.time` is UTC.
	 */
	uptime_kuma: {
		source:
			"https://github.com/louislam/uptime-kuma/blob/master/server/notification-providers/webhook.js",
		mapping: {
			alerts: "heartbeat.status in [0, 1] ? $ : []",
			alert_key: '"uptime-kuma/" & $string(heartbeat.monitorID)',
			status: 'heartbeat.status = 1 ? "resolved" : "firing"',
			title: 'monitor.name & (heartbeat.status = 1 ? " is up" : " is down")',
			description: "heartbeat.msg",
			labels:
				'{"monitor": monitor.name, "monitor_type": monitor.type, "url": monitor.url, "host": monitor.hostname}',
			links: '[{"href": monitor.url, "text": "Monitored URL"}]',
			event_time: '$replace(heartbeat.time, " ", "T") & "Z"',
		},
	},

	/**
	 * The JSON Zabbix's shipped "Event-Driven Ansible" webhook media type posts: its parameters
	 * (macros such as `{EVENT.ID}`, `{EVENT.SEVERITY}`, `{HOST.HOST}`, `{EVENT.TAGSJSON}`) after its
	 * script made numbers, a host group list and a tag map of them. Keyed by `{EVENT.ID}`, which a
	 * recovery operation also carries; `event_value` 0 (a recovery, which that media type's script
	 * refuses but a copy of it may send) resolves.
	 */
	zabbix: {
		source:
			"https://github.com/zabbix/zabbix/blob/master/templates/media/event_driven_ansible/media_event_driven_ansible.yaml",
		mapping: {
			alert_key: '"zabbix/" & $string(event_id)',
			status: '$string(event_value) = "0" ? "resolved" : "firing"',
			title: "event_name ? event_name : trigger_name",
			severity: "event_severity",
			description: "trigger_description",
			labels:
				'$merge([{"host": host_host, "host_ip": host_ip, "host_groups": $join(host_groups, ","), "trigger_id": $string(trigger_id), "operational_data": operation_data}, $each(event_tags, function($values, $tag) { {"tag." & $tag: $join($values, ",")} })])',
			event_time: "event_datetime_timestamp",
		},
	},

	/**
	 * Sentry's integration-platform webhooks: `issue` (created and unresolved fire, resolved and
	 * archived resolve, assigned makes no alert) and `event_alert` (an issue alert rule fired).
	 * Both are keyed by the issue id, so an issue alert is resolved by its issue's resolution.
	 */
	sentry: {
		source: "https://docs.sentry.io/organization/integrations/integration-platform/webhooks/",
		mapping: {
			alerts: 'action in ["created", "unresolved", "resolved", "archived", "triggered"] ? $ : []',
			alert_key: '"sentry/" & (data.issue.id ? data.issue.id : data.event.issue_id)',
			status: 'action in ["resolved", "archived"] ? "resolved" : "firing"',
			title: "data.issue.title ? data.issue.title : data.event.title",
			severity: "data.issue.level ? data.issue.level : data.event.level",
			description: "data.issue.culprit ? data.issue.culprit : data.event.culprit",
			labels:
				'{"project": data.issue.project.slug ? data.issue.project.slug : $string(data.event.project), "platform": data.issue.platform ? data.issue.platform : data.event.platform, "short_id": data.issue.shortId, "rule": data.triggered_rule}',
			links:
				'[{"href": data.issue.web_url ? data.issue.web_url : data.event.web_url, "text": "Sentry"}]',
			event_time: "data.event.datetime",
		},
	},

	/**
	 * Datadog's Webhooks integration with its default payload (`$EVENT_TITLE`, `$EVENT_MSG`, `$DATE`,
	 * …). That payload names no monitor, so the key is the title without its transition word
	 * (`[Triggered on {host:a}] CPU` → `{host:a} CPU`: the scope stays); `[Recovered…]` resolves. A payload that adds `$AGGREG_KEY` as
	 * `aggreg_key`, `$ALERT_TRANSITION` as `alert_transition` or `$ALERT_PRIORITY` as
	 * `alert_priority` is read by them instead.
	 */
	datadog: {
		source: "https://docs.datadoghq.com/integrations/webhooks/",
		mapping: {
			alert_key:
				'"datadog/" & (aggreg_key ? aggreg_key : $trim($replace(title, /^(\\[P\\d\\] )?\\[[A-Za-z -]+?(?: on ([^\\]]*))?\\] /, "$2 ")))',
			status:
				'(alert_transition = "Recovered" or $contains(title, /^(\\[P\\d\\] )?\\[Recovered/)) ? "resolved" : "firing"',
			title: "title",
			severity: "alert_priority ? alert_priority : alert_type",
			description: "body",
			labels:
				'{"org": org.name, "event_type": event_type, "monitor_id": alert_id, "host": host_name, "scope": alert_scope, "tags": tags}',
			links: '[{"href": link, "text": "Datadog"}]',
			event_time: "date",
		},
	},

	/**
	 * Healthchecks.io's Webhook integration with `$JSON` as the body for both "down" and "up": the
	 * check as its API returns it. Down fires and up resolves, keyed by the check's UUID (its
	 * `unique_key` where a read-only view left the UUID out).
	 */
	healthchecks: {
		source: "https://healthchecks.io/docs/api/",
		mapping: {
			alerts: 'status in ["down", "up"] ? $ : []',
			alert_key: '"healthchecks/" & (uuid ? uuid : unique_key)',
			status: 'status = "up" ? "resolved" : "firing"',
			title: '(name != "" ? name : slug) & " is " & status',
			description: "desc",
			labels: '{"check": name, "slug": slug, "tags": tags, "schedule": schedule, "tz": tz}',
		},
	},

	/**
	 * GitHub's `workflow_run` event. A completed run that failed (or timed out, or could not start)
	 * fires and a successful one resolves, keyed by repository and workflow file; requested and
	 * in-progress runs, and cancelled or skipped ones, make no alert.
	 */
	github_workflow_run: {
		source: "https://docs.github.com/en/webhooks/webhook-events-and-payloads#workflow_run",
		mapping: {
			alerts:
				'action = "completed" and workflow_run.conclusion in ["failure", "timed_out", "startup_failure", "success"] ? $ : []',
			alert_key: '"github/" & repository.full_name & "/" & workflow.path',
			status: 'workflow_run.conclusion = "success" ? "resolved" : "firing"',
			title:
				'repository.full_name & ": " & workflow.name & " " & workflow_run.conclusion & " on " & workflow_run.head_branch',
			description: "workflow_run.head_commit.message",
			labels:
				'{"repo": repository.full_name, "workflow": workflow.name, "branch": workflow_run.head_branch, "event": workflow_run.event, "actor": sender.login}',
			links: '[{"href": workflow_run.html_url, "text": "Workflow run"}]',
			event_time: "workflow_run.updated_at",
		},
	},

	/**
	 * Azure Monitor's common alert schema (an action group's webhook with "Enable the common alert
	 * schema"). Fired fires and Resolved resolves, keyed by the alert instance's `alertId`; labels
	 * carry the subscription, resource group and resource of the first target, and the custom
	 * properties an action group adds.
	 */
	azure_monitor: {
		source: "https://learn.microsoft.com/en-us/azure/azure-monitor/alerts/alerts-common-schema",
		mapping: {
			alert_key: "data.essentials.alertId",
			status: 'data.essentials.monitorCondition = "Resolved" ? "resolved" : "firing"',
			title:
				'data.essentials.alertRule & ($count(data.essentials.configurationItems) > 0 ? " on " & $join(data.essentials.configurationItems, ", ") : "")',
			severity: "data.essentials.severity",
			description: "data.essentials.description",
			labels:
				'($e := data.essentials; $target := $e.alertTargetIDs[0]; $merge([{"alert_rule": $e.alertRule, "subscription": $match($target, /\\/subscriptions\\/([^\\/]+)/i).groups[0], "resource_group": $match($target, /\\/resourcegroups\\/([^\\/]+)/i).groups[0], "resource": $e.configurationItems[0], "signal_type": $e.signalType, "monitoring_service": $e.monitoringService}, $type(data.customProperties) = "object" ? data.customProperties : {}]))',
			links: '[{"href": data.essentials.investigationLink, "text": "Investigate"}]',
			event_time:
				'data.essentials.monitorCondition = "Resolved" and data.essentials.resolvedDateTime ? data.essentials.resolvedDateTime : data.essentials.firedDateTime',
		},
	},

	/**
	 * Google Cloud Monitoring's webhook notification channel, schema version 1.2. An open incident
	 * fires and a closed one resolves, keyed by `incident_id`; labels carry the project, policy,
	 * condition, the monitored resource's labels and the policy's user labels.
	 */
	google_cloud_monitoring: {
		source: "https://cloud.google.com/monitoring/support/notification-options#webhooks",
		mapping: {
			alert_key: '"gcp/" & incident.incident_id',
			status: '$lowercase(incident.state) = "closed" ? "resolved" : "firing"',
			title: "incident.summary",
			severity: "incident.severity",
			description: "incident.documentation.content",
			labels:
				'$merge([{"project": incident.scoping_project_id, "policy": incident.policy_name, "condition": incident.condition_name, "resource_type": incident.resource.type, "resource": incident.resource_display_name}, $type(incident.resource.labels) = "object" ? incident.resource.labels : {}, $type(incident.policy_user_labels) = "object" ? incident.policy_user_labels : {}])',
			links: '[{"href": incident.url, "text": "Incident"}]',
			event_time:
				'$lowercase(incident.state) = "closed" and incident.ended_at ? incident.ended_at : incident.started_at',
		},
	},
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
