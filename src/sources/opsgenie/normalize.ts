import { type AlertEvent, type Labels, LIMITS } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { severityFromWord } from "../../alerts/severity";
import { deriveAlertKey, fitAlertKey, truncate } from "../../alerts/text";
import { type Checked, check, problem } from "../../schema/problem";
import { AlertAction, CreateAlert, IdentifierType } from "./schema";

/** An Opsgenie request, normalized, and the alias (the alert key) it names. */
export type OpsgeniePush = { event: AlertEvent; alias: string };

/** Close Alert resolves, Acknowledge Alert acknowledges: the two actions served. */
export type OpsgenieAction = "close" | "acknowledge";

/**
 * A Create Alert body → the trigger it is, or what is wrong with it. Opsgenie's request carries no
 * time: `receivedAt` is the event's.
 */
export async function normalizeOpsgenieCreate(
	body: unknown,
	receivedAt: number,
): Promise<Checked<OpsgeniePush>> {
	const parsed = check(CreateAlert, body);
	if (!parsed.ok) return parsed;
	const alert = parsed.value;
	const labels: Labels = {};
	const set = labelWriter(labels);
	set("source", alert.source);
	set("entity", alert.entity);
	// One label holds the tag list, so a route can match a tag with `contains`; Grafana's
	// `name:value` tags stay as sent (its details carry the same labels by name).
	set("tags", alert.tags?.filter((tag) => tag.trim() !== "").join(","));
	const title = truncate(alert.message.trim(), LIMITS.title);
	// Without an alias Opsgenie makes a random one, so each create opens an alert; alertgate derives
	// it from what the alert is about, so a retried create updates its alert instead.
	const given = alert.alias ?? "";
	const alias =
		given.trim() === ""
			? await deriveAlertKey(title, labels)
			: await fitAlertKey(given, LIMITS.alertKey);
	// Details are the sender's labels (Alertmanager sends an alert group's common labels there),
	// under their own names; they never replace source, entity or tags.
	for (const [name, value] of Object.entries(alert.details ?? {})) {
		if (Object.hasOwn(labels, name)) continue;
		set(name, typeof value === "string" ? value : JSON.stringify(value));
	}
	const trigger: AlertEvent = {
		action: "trigger",
		severity: severityFromWord(alert.priority ?? "P3") ?? "warning",
		alert_key: alias,
		title,
		description: truncate(alert.description ?? "", LIMITS.description),
		labels,
		images: [],
		occurred_at: receivedAt,
	};
	return { ok: true, value: { alias, event: trigger } };
}

/**
 * Close Alert or Acknowledge Alert on the alert the path names. Every `identifierType` is read as
 * the alias (see IdentifierType). An alias fitted when it was created is fitted the same way here.
 */
export async function normalizeOpsgenieAction(
	action: OpsgenieAction,
	identifier: string,
	identifierType: string | undefined,
	body: unknown,
	receivedAt: number,
): Promise<Checked<OpsgeniePush>> {
	const type = check(IdentifierType, identifierType ?? "id", "identifierType");
	if (!type.ok) return type;
	if (body !== undefined) {
		const parsed = check(AlertAction, body);
		if (!parsed.ok) return parsed;
	}
	if (identifier.trim() === "")
		return problem("identifier must not be blank: send the alert's alias");
	const alias = await fitAlertKey(identifier, LIMITS.alertKey);
	const common = { alert_key: alias, occurred_at: receivedAt };
	const event: AlertEvent =
		action === "acknowledge"
			? { action: "acknowledge", ...common }
			: { action: "resolve", ...common, title: "", description: "", labels: {}, images: [] };
	return { ok: true, value: { alias, event } };
}
