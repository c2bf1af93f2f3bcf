declare const __ALERTGATE_DOCS__: boolean;

/**
 * Whether this build carries the API's documentation texts (summaries, descriptions, what each
 * refusal means). The worker's build leaves them out (wrangler.toml `[define]` sets
 * `__ALERTGATE_DOCS__` to false, and the minifier drops every `DOCS && "…"`), so a push loads none
 * of them; `npm run openapi` and the tests build with them. Typed `true` so that the declarations
 * keep their texts' types: the worker never reads them.
 */
export const DOCS: true = (typeof __ALERTGATE_DOCS__ === "undefined" || __ALERTGATE_DOCS__) as true;
