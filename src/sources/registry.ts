import type * as z from "zod/mini";
import type { IntegrationType } from "../integrations/type";
import { handleAlertmanagerWebhook } from "./alertmanager/handler";
import { AlertmanagerSettings } from "./alertmanager/settings";
import { handleCloudWatchPush } from "./cloudwatch/handler";
import { CloudWatchSettings } from "./cloudwatch/settings";
import { handleEventBridgePush } from "./eventbridge/handler";
import { EventBridgeSettings } from "./eventbridge/settings";
import type { PushHandler } from "./ingest";
import { handlePagerDutyPush } from "./pagerduty/handler";
import { PagerDutySettings } from "./pagerduty/settings";
import { handleStandardPush } from "./standard/handler";
import { StandardSettings } from "./standard/settings";

/**
 * Each integration type's source: its settings schema and its push handler. Adding a source is
 * adding a source folder and an entry here.
 */
export const SOURCES = {
	standard: { settings: StandardSettings, handle: handleStandardPush },
	aws_cloudwatch: { settings: CloudWatchSettings, handle: handleCloudWatchPush },
	aws_eventbridge: { settings: EventBridgeSettings, handle: handleEventBridgePush },
	pagerduty: { settings: PagerDutySettings, handle: handlePagerDutyPush },
	alertmanager: { settings: AlertmanagerSettings, handle: handleAlertmanagerWebhook },
} as const satisfies Record<IntegrationType, { settings: z.ZodMiniType; handle: PushHandler }>;

/** Any type's stored settings, with every default filled in. */
export function settingsOf(type: IntegrationType, stored: unknown) {
	return SOURCES[type].settings.parse(stored);
}
