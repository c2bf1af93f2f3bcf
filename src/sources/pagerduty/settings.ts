import * as z from "zod/mini";
import { settingsError, sharedSettings } from "../../integrations/settings";

/** Settings of a `pagerduty` integration (PagerDuty Events API v2 at /v2/enqueue). */
export const PagerDutySettings = z.strictObject(
	{
		...sharedSettings(null),
	},
	{ error: settingsError },
);
