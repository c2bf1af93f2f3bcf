import type { AlertEvent } from "../alerts/event";
import { heldToClock } from "../alerts/event-time";
import type { Routable } from "../routing/rules";
import { silenceMatches } from "../routing/silence";
import { channelsFor, NO_ROUTING } from "../routing/snapshot";
import type { PreviewAlert, PreviewData, Refusal, TopicCheck } from "./contract";
import { activeSilences } from "./noise";
import { pipelineEvents } from "./pipeline";
import type { Stores } from "./state/stores";

/**
 * A push's events as the object would take them, without taking them: the pipeline and routing
 * applied, the silence that would mute each. It only reads, so a preview can run any number of
 * times and changes nothing (no alert, incident, counter or rate-limit token).
 * `s` is null for an object that holds nothing yet.
 */
export function previewPush(
	s: Stores | null,
	events: readonly AlertEvent[],
	topic: TopicCheck | undefined,
	now: number,
): PreviewData | Refusal {
	// The topic the push would be held to (settings, or the one the subscription pinned).
	if (topic !== undefined && s !== null) {
		const refusal = s.subscription.allowed(topic, s.settings.current().topicArn);
		if (refusal !== null) return refusal;
	}
	const routing = s === null ? NO_ROUTING : s.routing.current();
	const { kept, dropped } = s === null ? { kept: events, dropped: 0 } : pipelineEvents(s, events);
	const alerts = kept.map((sent): PreviewAlert => {
		const event = heldToClock(sent, now);
		if (event.action === "acknowledge") {
			const firing = s?.alerts.firing(event.alert_key) ?? null;
			return {
				alert_key: event.alert_key,
				status: "acknowledged",
				result: firing === null ? "ignored" : "acknowledged",
				title: firing?.title ?? null,
				severity: firing?.severity ?? null,
				description: firing?.description ?? null,
				labels: firing?.labels ?? {},
				channels: firing === null ? [] : channelsFor(firing, routing),
				silenced_by: null,
				suppressed_by: null,
			};
		}
		const firing = event.action === "trigger";
		const current = s?.alerts.firing(event.alert_key) ?? null;
		// A recovery routes as the alert it closes, whose severity it does not repeat.
		const severity = firing ? event.severity : (current?.severity ?? null);
		const routable: Routable = severity === null ? event : { ...event, severity };
		const channels = channelsFor(routable, routing);
		const silence =
			s === null || !firing
				? undefined
				: activeSilences(s, now).find((one) => silenceMatches(one, routable, () => channels));
		return {
			alert_key: event.alert_key,
			status: firing ? "firing" : "resolved",
			result: firing
				? current === null
					? "opened"
					: "updated"
				: current === null
					? "ignored"
					: "resolved",
			title: event.title,
			severity,
			description: event.description,
			labels: event.labels,
			channels,
			silenced_by: silence?.id ?? null,
			suppressed_by: event.action === "trigger" ? (event.suppressed_by ?? null) : null,
		};
	});
	return { alerts, dropped };
}
