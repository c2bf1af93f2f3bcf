import { ADMIN_ENDPOINTS } from "./admin/api";
import type { Endpoint } from "./http/endpoint";
import { healthEndpoint } from "./http/health";
import { pingEndpoints } from "./push/pings";
import { pushEndpoints } from "./push/routes";

/**
 * Every endpoint of the API, each declared once beside its handler: the edge's app serves the
 * health check and the pushes (src/index.ts), the admin app loaded on demand the rest
 * (src/admin-app.ts), and `npm run openapi` documents them all. The dashboard's HTML pages are
 * for people and stay out of the document.
 */
export const ENDPOINTS: readonly Endpoint[] = [
	healthEndpoint,
	...ADMIN_ENDPOINTS,
	...pushEndpoints,
	...pingEndpoints,
];
