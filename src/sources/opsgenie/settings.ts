import * as z from "zod/mini";
import { settingsError, sharedSettings } from "../../integrations/settings";

/** Settings of an `opsgenie` integration (Opsgenie's Alert API at /v2/alerts). */
export const OpsgenieSettings = z.strictObject(
	{
		...sharedSettings(null),
	},
	{ error: settingsError },
);
