import type { Endpoint } from "../http/endpoint";
import { alertEndpoints } from "./alerts";
import { auditEndpoints } from "./audit";
import { changeEndpoints } from "./changes";
import { channelEndpoints } from "./channels";
import { deliveryEndpoints } from "./deliveries";
import { heartbeatEndpoints } from "./heartbeats";
import { incidentEndpoints } from "./incidents";
import { inhibitRuleEndpoints } from "./inhibit-rules";
import { integrationEndpoints } from "./integrations";
import { pipelineEndpoints } from "./pipeline";
import { previewEndpoints } from "./preview";
import { routingRuleEndpoints } from "./routing-rules";
import { silenceEndpoints } from "./silences";
import { slackEndpoints } from "./slack-interactions";
import { targetEndpoints } from "./targets";
import { tokenEndpoints } from "./tokens";

/**
 * Every endpoint the admin app serves, each declared once beside its handler: the API under
 * `/api/v1/` (behind the admin token) and Slack's interactions (signed by Slack instead).
 */
export const ADMIN_ENDPOINTS: readonly Endpoint[] = [
	...integrationEndpoints,
	...previewEndpoints,
	...routingRuleEndpoints,
	...pipelineEndpoints,
	...alertEndpoints,
	...changeEndpoints,
	...channelEndpoints,
	...targetEndpoints,
	...deliveryEndpoints,
	...incidentEndpoints,
	...silenceEndpoints,
	...inhibitRuleEndpoints,
	...heartbeatEndpoints,
	...slackEndpoints,
	...tokenEndpoints,
	...auditEndpoints,
];
