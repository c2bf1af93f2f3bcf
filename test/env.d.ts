declare namespace Cloudflare {
	interface Env {
		/** Test-only binding from vitest.config.ts: the D1 migrations to apply before each file. */
		TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
		/** Test-only: an empty D1 database for tests of the D1 migrations themselves. */
		MIGRATED_DB: D1Database;
		/** Test-only: base64 PKCS#8 of the key that signs the tests' own SNS messages. */
		TEST_SNS_PRIVATE_KEY: string;
		/** Test-only: its self-signed certificate, served at TEST_CERT_HEX by the outbound stub. */
		TEST_SNS_CERTIFICATE: string;
	}
}
