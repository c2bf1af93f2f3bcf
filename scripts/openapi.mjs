// `npm run openapi`: writes public/openapi.json, the API's OpenAPI 3.1 document, from the zod
// schemas that validate each request (src/openapi/document.ts). Workers Static Assets serve it at
// `/openapi.json`, so the worker's bundle carries neither the document nor zod's JSON Schema code.
// `npm test` fails when the committed file differs from what this would write.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const target = path.join(root, "public", "openapi.json");

// The document's module graph is the worker's own TypeScript: bundled for Node, then imported.
const { outputFiles } = await build({
	entryPoints: [path.join(root, "src/openapi/document.ts")],
	bundle: true,
	format: "esm",
	platform: "neutral",
	mainFields: ["module", "main"],
	external: ["cloudflare:*"],
	write: false,
	logLevel: "warning",
});
const { openApiDocument } = await import(
	`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString("base64")}`
);
const { version } = (await import("../package.json", { with: { type: "json" } })).default;

writeFileSync(target, `${JSON.stringify(openApiDocument(version), null, "\t")}\n`);
console.log(`wrote ${path.relative(root, target)}`);
