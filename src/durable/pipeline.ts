import type { AlertEvent } from "../alerts/event";
import { applyPipeline } from "../routing/pipeline";
import type { Stores } from "./state/stores";

/**
 * The integration's alert pipeline, as its object holds it in the routing copy: a push never
 * reads it from D1. These functions read and write nothing but what they return.
 */

/** One event through the held pipeline: the event as reshaped, or null when a rule drops it. */
export function pipelineEvent(s: Stores, event: AlertEvent): AlertEvent | null {
	return applyPipeline(s.routing.current().pipeline, event);
}

/**
 * Events through the held pipeline without applying them to anything (a preview): those kept,
 * reshaped and in order, and how many were dropped.
 */
export function pipelineEvents(
	s: Stores,
	events: readonly AlertEvent[],
): { kept: AlertEvent[]; dropped: number } {
	const kept: AlertEvent[] = [];
	for (const event of events) {
		const shaped = pipelineEvent(s, event);
		if (shaped !== null) kept.push(shaped);
	}
	return { kept, dropped: events.length - kept.length };
}
