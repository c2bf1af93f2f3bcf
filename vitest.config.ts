import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { makeTestSigningIdentity } from "./test/node/signing-identity.ts";
import { snsOutboundService } from "./test/node/sns-outbound.ts";

/** What the errors that tests inject say (see test/README.md, "Expected output"). */
const EXPECTED_FAILURES = /D1_ERROR: (injected failure|no such table: incidents)/;

export default defineConfig(async () => {
	const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
	// Made fresh for every run: the tests sign their own SNS messages with this key.
	const signing = makeTestSigningIdentity();
	return {
		plugins: [
			cloudflareTest({
				wrangler: { configPath: "./wrangler.toml" },
				miniflare: {
					bindings: {
						ADMIN_TOKEN: "test-admin-token-0123456789abcdef0123",
						// As deployed, whatever a local .dev.vars says: targets must be https://.
						ALLOW_HTTP_LOOPBACK: "false",
						TEST_MIGRATIONS: migrations,
						TEST_SNS_PRIVATE_KEY: signing.privateKeyPkcs8,
						TEST_SNS_CERTIFICATE: signing.certificatePem,
					},
					// Every fetch leaving workerd lands here; nothing reaches the network.
					outboundService: snsOutboundService(signing.certificatePem),
				},
			}),
		],
		test: {
			setupFiles: ["./test/setup/apply-migrations.ts"],
			// The structured logs of failures the tests cause on purpose (a D1 write made to fail, the
			// incidents table dropped to play a D1 outage) are expected: the tests check what follows.
			onConsoleLog: (log: string) => !EXPECTED_FAILURES.test(log),
		},
	};
});
