import type * as z from "zod/mini";
import { checkHeartbeatSettings } from "../heartbeat/schedule";
import { HeartbeatSettings } from "../heartbeat/settings";
import type { IntegrationType } from "../integrations/type";
import { handleAlertmanagerWebhook } from "./alertmanager/handler";
import { AlertmanagerSettings } from "./alertmanager/settings";
import { handleCloudWatchPush } from "./cloudwatch/handler";
import { CloudWatchSettings } from "./cloudwatch/settings";
import { handleEmailPush } from "./email/handler";
import { EmailSettings } from "./email/settings";
import { handleEventBridgePush } from "./eventbridge/handler";
import { EventBridgeSettings } from "./eventbridge/settings";
import { handleHeartbeatPush } from "./heartbeat/handler";
import type { PushHandler } from "./ingest";
import { handleOpsgenieCreate } from "./opsgenie/handler";
import { OpsgenieSettings } from "./opsgenie/settings";
import { handlePagerDutyPush } from "./pagerduty/handler";
import { PagerDutySettings } from "./pagerduty/settings";
import { handleStandardPush } from "./standard/handler";
import { StandardSettings } from "./standard/settings";
import { checkWebhookSettings, handleWebhookPush } from "./webhook/handler";
import { WebhookSettings } from "./webhook/settings";

/**
 * Each integration type's source: its settings schema, its push handler, and for some a check of
 * the settings that needs a module loaded on demand (run when they are saved). Adding a source is
 * adding a source folder and an entry here.
 */
export const SOURCES = {
	standard: { settings: StandardSettings, handle: handleStandardPush },
	aws_cloudwatch: { settings: CloudWatchSettings, handle: handleCloudWatchPush },
	aws_eventbridge: { settings: EventBridgeSettings, handle: handleEventBridgePush },
	pagerduty: { settings: PagerDutySettings, handle: handlePagerDutyPush },
	alertmanager: { settings: AlertmanagerSettings, handle: handleAlertmanagerWebhook },
	webhook: { settings: WebhookSettings, handle: handleWebhookPush, check: checkWebhookSettings },
	opsgenie: { settings: OpsgenieSettings, handle: handleOpsgenieCreate },
	heartbeat: {
		settings: HeartbeatSettings,
		handle: handleHeartbeatPush,
		check: checkHeartbeatSettings,
	},
	email: { settings: EmailSettings, handle: handleEmailPush },
} as const satisfies Record<
	IntegrationType,
	{
		settings: z.ZodMiniType;
		handle: PushHandler;
		check?: (settings: never) => Promise<string | null>;
	}
>;

/** Any type's stored settings, with every default filled in. */
export function settingsOf(type: IntegrationType, stored: unknown) {
	return SOURCES[type].settings.parse(stored);
}

/** Settings of `type` (parsed by its schema) that its source refuses when saved, or null. */
export async function settingsProblem(type: IntegrationType, settings: unknown) {
	const source = SOURCES[type];
	if (!("check" in source)) return null;
	return (source.check as (settings: unknown) => Promise<string | null>)(settings);
}
