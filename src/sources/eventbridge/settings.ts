import * as z from "zod/mini";
import { settingsError, sharedSettings } from "../../integrations/settings";
import { InsufficientData, SeverityRules } from "../cloudwatch/settings";

/** Settings of an `aws_eventbridge` integration (an EventBridge API destination). */
export const EventBridgeSettings = z.strictObject(
	{
		insufficient_data: InsufficientData,
		/** As on `aws_cloudwatch`, so an alarm gets the same severity whichever way it comes. */
		severity_rules: SeverityRules,
		/** EventBridge events are one-shot: most never get a recovery event (24h). */
		...sharedSettings("24h"),
	},
	{ error: settingsError },
);
export type EventBridgeSettings = z.infer<typeof EventBridgeSettings>;
