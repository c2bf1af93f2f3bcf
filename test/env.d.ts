declare namespace Cloudflare {
	interface Env {
		/** Test-only binding from vitest.config.ts: the D1 migrations to apply before each file. */
		TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
	}
}
