// A local alertgate for the scripts that drive it from outside (npm run interop, the browser
// test): `wrangler dev` on a free loopback port, over fresh local D1 and Durable Objects in a
// temporary directory, with its own admin token. Loopback only; nothing is installed.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");
const TIMEOUT_MS = 60_000;

/** Starts the gateway and resolves once `/healthz` answers; `stop()` ends it and its storage. */
export async function startGateway(name) {
	const work = mkdtempSync(path.join(tmpdir(), `alertgate-${name}-`));
	const adminToken = `${name}_${randomBytes(24).toString("base64url")}`;
	const port = await freePort();
	const base = `http://localhost:${port}`;
	run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", work]);
	const child = start("npx", [
		"wrangler",
		"dev",
		"--ip",
		"127.0.0.1",
		"--port",
		String(port),
		"--persist-to",
		work,
		"--var",
		`ADMIN_TOKEN:${adminToken}`,
		"--show-interactive-dev-session=false",
	]);
	const stop = () => {
		stopChild(child);
		rmSync(work, { recursive: true, force: true });
	};
	try {
		await until("alertgate answers /healthz", async () => (await fetch(`${base}/healthz`)).ok);
	} catch (error) {
		stop();
		throw error;
	}
	/** The admin API's `data`, or an error with its answer. */
	const admin = async (method, route, body) => {
		const response = await fetch(`${base}/api/v1${route}`, {
			method,
			headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const reply = await response.json();
		if (!response.ok) throw new Error(`${method} ${route}: ${JSON.stringify(reply)}`);
		return reply.data;
	};
	return { base, port, adminToken, admin, work, stop };
}

export function run(command, args) {
	const result = spawnSync(command, args, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
	if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.status}`);
}

/** A long-running child in its own process group, so it is stopped with all of its children. */
export function start(command, args) {
	const child = spawn(command, args, {
		cwd: root,
		detached: true,
		stdio: ["ignore", "ignore", "pipe"],
		env: { ...process.env, CI: "true" },
	});
	let stderr = "";
	child.stderr.on("data", (chunk) => {
		stderr = (stderr + chunk).slice(-4000);
	});
	child.on("exit", (code) => {
		if (code !== null && code !== 0) console.error(`${command} exited ${code}:\n${stderr}`);
	});
	return child;
}

export function stopChild(child) {
	try {
		process.kill(-child.pid, "SIGTERM");
	} catch {}
}

/** Polls `probe` until it gives something truthy, or fails after a minute. */
export async function until(what, probe) {
	const deadline = Date.now() + TIMEOUT_MS;
	for (;;) {
		try {
			const value = await probe();
			if (value) {
				console.log(`   ok: ${what}`);
				return value;
			}
		} catch {}
		if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

export function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}
