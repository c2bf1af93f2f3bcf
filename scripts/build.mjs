// `node scripts/build.mjs` (wrangler's `[build] command`, so `wrangler dev` and `wrangler deploy`
// run it): bundles the worker into dist/ with code splitting, so that what a push loads stays
// small. Code reached only through a dynamic `import()` (the admin API and dashboard, the webhook
// type's mapping language, the email type's MIME parser) becomes its own module, loaded by the first request that needs it;
// wrangler uploads every module in dist/ (`find_additional_modules`). The options are wrangler's
// own for workerd: its export conditions, minified, no keepNames.
//
// `--budget` fails when the modules a push loads pass PUSH_BUDGET_KIB gzipped (`npm test` runs it).
import { readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");

/** The most the modules a push loads may weigh, gzipped: the README's promise. */
export const PUSH_BUDGET_KIB = 130;

/**
 * What only some requests need, which a push must not load: the admin app (and the dashboard), the
 * webhook type's mapping language and the email type's MIME parser. `--budget` fails when one of them is in a push's modules.
 */
const ON_DEMAND = [
	"src/admin-app.ts",
	"src/dashboard/",
	"node_modules/jsonata/",
	"node_modules/croner/",
	"node_modules/re2js/",
	"node_modules/postal-mime/",
];

/** The options every build of the worker shares (the bench measures with them too). */
export const workerBuild = {
	entryPoints: { index: path.join(root, "src/index.ts") },
	bundle: true,
	splitting: true,
	format: "esm",
	platform: "neutral",
	target: "es2024",
	conditions: ["workerd", "worker", "browser"],
	mainFields: ["browser", "module", "main"],
	external: ["cloudflare:*", "node:*"],
	minify: true,
	// The API's documentation texts stay out of the worker: only `npm run openapi` reads them
	// (src/schema/docs.ts).
	define: { __ALERTGATE_DOCS__: "false" },
	chunkNames: "chunks/[name]-[hash]",
	outExtension: { ".js": ".mjs" },
	tsconfig: path.join(root, "tsconfig.json"),
	metafile: true,
	logLevel: "warning",
};

/**
 * The modules a push loads: the entry and every module it imports statically, transitively
 * (dynamic imports load on demand), with their gzipped size in KiB.
 */
export function pushModules(metafile) {
	const outputs = metafile.outputs;
	const entry = Object.keys(outputs).find((file) => outputs[file].entryPoint !== undefined);
	const seen = new Set();
	const visit = (file) => {
		if (seen.has(file) || outputs[file] === undefined) return;
		seen.add(file);
		for (const one of outputs[file].imports) {
			if (one.kind === "import-statement" && !one.external) visit(one.path);
		}
	};
	visit(entry);
	const files = [...seen];
	const kib = files.reduce((sum, file) => sum + gzipSync(readFileSync(file)).length, 0) / 1024;
	const loaded = files.flatMap((file) => Object.keys(outputs[file].inputs));
	const misplaced = ON_DEMAND.filter((path) => loaded.some((input) => input.startsWith(path)));
	return { files, kib, misplaced };
}

/** Builds into `outdir`, emptied first (a chunk left from an earlier build would be uploaded). */
export async function buildWorker(outdir, options = {}) {
	rmSync(outdir, { recursive: true, force: true });
	const result = await build({ ...workerBuild, ...options, outdir, absWorkingDir: root });
	return result.metafile;
}

/** Every module of a build as Miniflare takes them, the entry first (the bench runs them). */
export function builtModules(outdir) {
	const files = readdirSync(outdir, { recursive: true })
		.filter((file) => file.endsWith(".mjs"))
		.sort((a, b) => (a === "index.mjs" ? -1 : b === "index.mjs" ? 1 : a.localeCompare(b)));
	return files.map((file) => ({
		type: "ESModule",
		path: file,
		contents: readFileSync(path.join(outdir, file), "utf8"),
	}));
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const metafile = await buildWorker(path.join(root, "dist"), {
		minify: !process.argv.includes("--no-minify"),
	});
	if (process.argv.includes("--budget")) {
		const { kib, misplaced } = pushModules(metafile);
		if (misplaced.length > 0) {
			console.error(
				`a push loads ${misplaced.join(", ")}, which only some requests need: import it with a dynamic import()`,
			);
			process.exit(1);
		}
		if (kib > PUSH_BUDGET_KIB) {
			console.error(
				`a push loads ${kib.toFixed(1)} KiB gzipped, over the ${PUSH_BUDGET_KIB} KiB budget: move code a push does not need behind a dynamic import()`,
			);
			process.exit(1);
		}
		console.log(`a push loads ${kib.toFixed(1)} KiB gzipped (budget ${PUSH_BUDGET_KIB} KiB)`);
	}
}
