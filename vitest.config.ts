import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { makeTestSigningIdentity } from "./test/node/signing-identity.ts";
import { snsOutboundService } from "./test/node/sns-outbound.ts";

/**
 * What the failures the tests cause on purpose log (see test/README.md, "Expected output"): an
 * injected D1 error, a dropped table, a receiver that fails, a refused push, a PUBLIC_URL that
 * is not an origin. Tests that check these lines spy on the console and see them whatever this
 * filter drops.
 */
const EXPECTED_FAILURES =
	/D1_ERROR: (injected failure|no such table: incidents)|"event":"(notification_failed|push_refused|public_url_ignored|slack_response_failed)"/;

export default defineConfig(async () => {
	const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
	// Made fresh for every run: the tests sign their own SNS messages with this key.
	const signing = makeTestSigningIdentity();
	return {
		plugins: [
			cloudflareTest({
				// The source, not wrangler.toml's built dist/index.js: the tests need no build step.
				main: "./src/index.ts",
				wrangler: { configPath: "./wrangler.toml" },
				miniflare: {
					bindings: {
						ADMIN_TOKEN: "test-admin-token-0123456789abcdef0123",
						// As deployed, whatever a local .dev.vars says: targets must be https://.
						ALLOW_HTTP_LOOPBACK: "false",
						// Slack messages carry buttons; test/slack.test.ts signs its clicks with it.
						SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99yyyzzz85a5",
						TEST_MIGRATIONS: migrations,
						TEST_SNS_PRIVATE_KEY: signing.privateKeyPkcs8,
						TEST_SNS_CERTIFICATE: signing.certificatePem,
					},
					// An empty D1 database beside DB, where a test applies the migrations up to some
					// version, writes rows as that version kept them and applies the rest.
					d1Databases: { DB: "alertgate", MIGRATED_DB: "alertgate-migrated" },
					// Every fetch leaving workerd lands here; nothing reaches the network.
					outboundService: snsOutboundService(signing.certificatePem),
				},
			}),
		],
		// The tests check the OpenAPI document, so the worker under test keeps its documentation
		// texts, which the deployed worker's build leaves out (wrangler.toml `[define]`).
		define: { __ALERTGATE_DOCS__: "true" },
		test: {
			setupFiles: ["./test/setup/apply-migrations.ts"],
			// The structured logs of failures the tests cause on purpose are expected.
			onConsoleLog: (log: string) => !EXPECTED_FAILURES.test(log),
		},
	};
});
