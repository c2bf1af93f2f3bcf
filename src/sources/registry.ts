import type { AlertEvent } from "../alerts/event";
import type { IntegrationType } from "../db/integrations";
import { normalizeStandard } from "./standard/normalize";

/**
 * What a source does with a push: authenticated body text in, one normalized event out (or a
 * typed HttpError). Adding a source is adding a folder under src/sources and an entry here.
 */
export type Source = {
	normalize(text: string, receivedAt: number): Promise<AlertEvent>;
};

export const SOURCES: Record<IntegrationType, Source | null> = {
	standard: { normalize: normalizeStandard },
	// Not built yet (issues 3 and 4): pushes answer 501, which SNS and EventBridge retry.
	aws_cloudwatch: null,
	aws_eventbridge: null,
};
