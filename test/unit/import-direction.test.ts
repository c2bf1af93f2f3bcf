import { describe, expect, it } from "vitest";

/**
 * The layout's promise, checked on the source text: imports between folders run one way. A
 * folder is a top-level folder of src/ (`alerts`, `durable`, …); inside src/sources each source
 * folder counts on its own, so that `sns` (the protocol) and the sources that use it cannot
 * come to depend on each other.
 */
const SOURCES: Record<string, string> = import.meta.glob("../../src/**/*.ts", {
	query: "?raw",
	import: "default",
	eager: true,
});

type Graph = Map<string, Set<string>>;

function resolve(from: string, specifier: string): string {
	const parts = from.split("/").slice(0, -1);
	for (const part of specifier.split("/")) {
		if (part === "..") parts.pop();
		else if (part !== ".") parts.push(part);
	}
	return parts.join("/");
}

/** Every relative import in src/, as (importing file, imported path), both relative to src/. */
function imports(): [string, string][] {
	const edges: [string, string][] = [];
	for (const [path, text] of Object.entries(SOURCES)) {
		const file = path.replace("../../src/", "");
		for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)) {
			edges.push([file, resolve(file, match[1] ?? "")]);
		}
	}
	return edges;
}

function graph(folderOf: (file: string) => string | null): Graph {
	const out: Graph = new Map();
	for (const [from, to] of imports()) {
		const [a, b] = [folderOf(from), folderOf(to)];
		if (a === null || b === null || a === b) continue;
		if (!out.has(a)) out.set(a, new Set());
		out.get(a)?.add(b);
	}
	return out;
}

/** A cycle as a list of folders (first = last), or null. */
function findCycle(g: Graph): string[] | null {
	const state = new Map<string, "open" | "done">();
	const stack: string[] = [];
	const visit = (node: string): string[] | null => {
		if (state.get(node) === "done") return null;
		if (state.get(node) === "open") return [...stack.slice(stack.indexOf(node)), node];
		state.set(node, "open");
		stack.push(node);
		for (const next of g.get(node) ?? []) {
			const cycle = visit(next);
			if (cycle !== null) return cycle;
		}
		stack.pop();
		state.set(node, "done");
		return null;
	};
	for (const node of g.keys()) {
		const cycle = visit(node);
		if (cycle !== null) return cycle;
	}
	return null;
}

/** Each file of src/ on its own (without its extension), so a cycle between two files shows. */
const fileOf = (file: string) => file.replace(/\.ts$/, "");

const topFolder = (file: string) => (file.includes("/") ? (file.split("/")[0] ?? null) : null);
const sourceFolder = (file: string) =>
	/^sources\/([^/]+)\//.exec(file) === null ? null : file.split("/").slice(0, 2).join("/");

describe("imports run one way", () => {
	it("reads the whole source tree", () => {
		expect(Object.keys(SOURCES).length).toBeGreaterThan(50);
		expect(imports().length).toBeGreaterThan(100);
	});

	it("has no cycle between the top-level folders of src/", () => {
		expect(findCycle(graph(topFolder))).toBeNull();
	});

	it("has no cycle between the files of src/, type imports included", () => {
		expect(findCycle(graph(fileOf))).toBeNull();
	});

	it("has no cycle between source folders", () => {
		expect(findCycle(graph(sourceFolder))).toBeNull();
	});

	it("keeps SNS the protocol alone: it imports no other source", () => {
		expect([...(graph(sourceFolder).get("sources/sns") ?? [])]).toEqual([]);
	});

	it("keeps routing independent of HTTP", () => {
		expect([...(graph(topFolder).get("routing") ?? [])]).not.toContain("http");
	});

	it("lets callers reach the Durable Object through its contract, not its class file", () => {
		const importers = imports()
			.filter(([, to]) => to === "durable/integration-object")
			.map(([from]) => from)
			.sort();
		// The worker exports the class; the binding's type names it.
		expect(importers).toEqual(["env.d.ts", "index.ts"]);
	});

	it("finds a cycle when there is one (the checker itself)", () => {
		const g: Graph = new Map([
			["a", new Set(["b"])],
			["b", new Set(["c"])],
			["c", new Set(["a"])],
		]);
		expect(findCycle(g)).toEqual(["a", "b", "c", "a"]);
	});
});
