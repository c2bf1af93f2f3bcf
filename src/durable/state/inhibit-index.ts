import * as z from "zod/mini";
import type { Alert } from "../../alerts/alert";
import { equalValues, type InhibitRule } from "../../routing/inhibit";
import { allHold } from "../../routing/rules";

const Indexed = z.object({ rules: z.string() });
const Found = z.object({ alert_id: z.string() });
const TargetRow = z.object({ alert_key: z.string() });

/**
 * Which firing alerts each inhibit rule's sides match, by the values of the rule's `equal`
 * labels (`inhibit_index`). Inhibition compares every target with every source; read from this
 * index, a new alert finds its source, and a new source the targets it mutes, without reading
 * what else fires: matching the whole list each time made one source opening among 9,000
 * firing targets cost 7.6 s of CPU inside the object's transaction.
 *
 * The index follows the alerts it is told of (`written`, for every alert the alert store writes
 * in full: a repeat that only counts changes neither labels nor marks), and is rebuilt from what
 * fires when the rules differ from those it was built for (`inhibit_index_rules`), which is also
 * how an object made before it fills it the first time.
 */
export class InhibitIndex {
	/** The rules the index was last checked against (the routing snapshot's own array). */
	private checked: readonly InhibitRule[] | undefined;

	constructor(
		private readonly sql: SqlStorage,
		private readonly rules: () => readonly InhibitRule[],
		private readonly firing: () => readonly Alert[],
	) {}

	/** An alert was written: its entries follow its status, labels and inhibition. */
	written(alert: Alert, opened: boolean): void {
		const rules = this.current();
		if (rules.length === 0) return;
		if (!opened) this.sql.exec("DELETE FROM inhibit_index WHERE alert_id = ?", alert.id);
		if (alert.status === "firing") this.add(rules, alert);
	}

	/** A firing source of `rule` with these `equal` values other than `targetId` (see SourceLookup). */
	sourceFor(rule: InhibitRule, equal: string, targetId: string, targetIsSource: boolean) {
		this.current();
		const row = this.sql
			.exec(
				`SELECT alert_id FROM inhibit_index
				 WHERE rule_id = ? AND equal_values = ? AND source = 1 AND target IN (0, ?) AND alert_id != ?
				 LIMIT 1`,
				rule.id,
				equal,
				targetIsSource ? 0 : 1,
				targetId,
			)
			.toArray()[0];
		return row === undefined ? null : Found.parse(row).alert_id;
	}

	/**
	 * The keys of firing targets of `rule` with these `equal` values that nothing inhibits yet,
	 * other than the source; when the source matches the target side too, only targets that do
	 * not match the source side (two alerts matching both never mute each other).
	 */
	uninhibitedTargets(
		rule: InhibitRule,
		equal: string,
		sourceId: string,
		sourceIsTarget: boolean,
	): string[] {
		this.current();
		return this.sql
			.exec(
				`SELECT alert_key FROM inhibit_index
				 WHERE rule_id = ? AND equal_values = ? AND target = 1 AND inhibited = 0
					AND source IN (0, ?) AND alert_id != ?`,
				rule.id,
				equal,
				sourceIsTarget ? 0 : 1,
				sourceId,
			)
			.toArray()
			.map((row) => TargetRow.parse(row).alert_key);
	}

	/** After a rolled-back transaction or a wipe: check against storage next time. */
	forget(): void {
		this.checked = undefined;
	}

	/** The rules, with the index built for them (rebuilt from what fires if it was not). */
	private current(): readonly InhibitRule[] {
		const rules = this.rules();
		if (rules === this.checked) return rules;
		const text = JSON.stringify(rules);
		const row = this.sql.exec("SELECT rules FROM inhibit_index_rules").toArray()[0];
		const built = row === undefined ? "[]" : Indexed.parse(row).rules;
		this.checked = rules;
		if (built !== text) {
			this.sql.exec("DELETE FROM inhibit_index");
			this.sql.exec("DELETE FROM inhibit_index_rules");
			this.sql.exec("INSERT INTO inhibit_index_rules (rules) VALUES (?)", text);
			if (rules.length > 0) for (const alert of this.firing()) this.add(rules, alert);
		}
		return rules;
	}

	private add(rules: readonly InhibitRule[], alert: Alert): void {
		for (const rule of rules) {
			const source = allHold(rule.source_matchers, alert);
			const target = allHold(rule.target_matchers, alert);
			if (!source && !target) continue;
			// A rebuild on the way to `written` may have added the alert already.
			this.sql.exec(
				`INSERT OR REPLACE INTO inhibit_index
					(alert_id, rule_id, equal_values, alert_key, source, target, inhibited)
				 VALUES (?, ?, ?, ?, ?, ?, ?)`,
				alert.id,
				rule.id,
				equalValues(rule, alert),
				alert.alert_key,
				source ? 1 : 0,
				target ? 1 : 0,
				alert.inhibited_by === null ? 0 : 1,
			);
		}
	}
}
