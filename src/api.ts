import * as z from "zod/mini";
import { alertEndpoints } from "./admin/alerts";
import { channelEndpoints } from "./admin/channels";
import { deliveryEndpoints } from "./admin/deliveries";
import { incidentEndpoints } from "./admin/incidents";
import { inhibitRuleEndpoints } from "./admin/inhibit-rules";
import { integrationEndpoints } from "./admin/integrations";
import { routingRuleEndpoints } from "./admin/routing-rules";
import { silenceEndpoints } from "./admin/silences";
import { targetEndpoints } from "./admin/targets";
import { type Endpoint, endpoint } from "./http/endpoint";
import { pushEndpoints } from "./push/routes";
import { DOCS } from "./schema/docs";

/**
 * Every endpoint of the API, each declared once beside its handler. The app serves them
 * and `npm run openapi` documents them; the dashboard's HTML pages are for people
 * and stay out of the document.
 */
export const ENDPOINTS: readonly Endpoint[] = [
	endpoint({
		method: "get",
		path: "/healthz",
		tag: "Health",
		auth: "none",
		summary: DOCS && "Liveness: answers without touching D1 or a Durable Object",
		answer: {
			status: 200,
			data: DOCS && z.object({ status: z.literal("ok") }),
			description: DOCS && "Up.",
		},
		// Touches no binding: it answers even when D1 or the secret is misconfigured.
		handler: async () => ({ status: "ok" as const }),
	}),
	...integrationEndpoints,
	...routingRuleEndpoints,
	...alertEndpoints,
	...channelEndpoints,
	...targetEndpoints,
	...deliveryEndpoints,
	...incidentEndpoints,
	...silenceEndpoints,
	...inhibitRuleEndpoints,
	...pushEndpoints,
];
