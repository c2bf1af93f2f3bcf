// The worker's bindings, declared once (wrangler.toml is the source; keep the two in step).
declare namespace Cloudflare {
	interface Env {
		DB: D1Database;
		INTEGRATION: DurableObjectNamespace<
			import("./durable/integration-object").IntegrationDurableObject
		>;
		/** Secret. Unset means the admin API answers 503 with how to set it. */
		ADMIN_TOKEN?: string;
		/**
		 * Secret: the Slack app's Signing Secret. Set, Slack messages carry Acknowledge and Resolve
		 * buttons and `POST /slack/interactions` takes their clicks; unset, that route answers 503.
		 */
		SLACK_SIGNING_SECRET?: string;
		/** The deployment's public address, for links in notifications (default: the admin request's). */
		PUBLIC_URL?: string;
		/** "true" lets notification targets use http:// on localhost (set by `npm run dev`). */
		ALLOW_HTTP_LOOPBACK?: string;
		/**
		 * The domain whose Email Routing sends mail to this worker: an email integration's address
		 * is `<key>@<EMAIL_DOMAIN>` (docs/sources/email.md). Unset: the address is shown without it.
		 */
		EMAIL_DOMAIN?: string;
		/**
		 * Cloudflare Access in front of the worker (docs/security.md): the team's host name
		 * (`myteam.cloudflareaccess.com`), the application's audience tag, and ACCESS_ROLES, a JSON
		 * object from role to emails or `@domain` entries. All three, or none (Access off).
		 */
		ACCESS_TEAM_DOMAIN?: string;
		ACCESS_AUD?: string;
		ACCESS_ROLES?: string;
		/** Optional Workers Analytics Engine dataset: one data point per push (docs/operations.md). */
		INTAKE_ANALYTICS?: AnalyticsEngineDataset;
	}
	// Types `exports` from "cloudflare:workers" (used by the tests to call the real fetch handler).
	interface GlobalProps {
		mainModule: typeof import("./index");
		durableNamespaces: "IntegrationDurableObject";
	}
}
interface Env extends Cloudflare.Env {}
