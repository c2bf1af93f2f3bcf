/**
 * The object's one storage alarm, which serves every kind of work (upkeep, notifications, the D1
 * mirror). When it is set for is cached after the first read: the object is its only setter, so
 * most calls never reach storage.
 */
export class Alarm {
	/** undefined until read, null when none is set. */
	private at: number | null | undefined;

	constructor(private readonly storage: DurableObjectStorage) {}

	/** Makes sure the alarm fires no later than `at`; null asks for nothing. */
	async by(at: number | null): Promise<void> {
		if (at === null) return;
		if (this.at === undefined) this.at = await this.storage.getAlarm();
		if (this.at !== null && this.at <= at) return;
		await this.storage.setAlarm(at);
		this.at = at;
	}

	/** When the alarm is set for (null: none). */
	async setFor(): Promise<number | null> {
		if (this.at === undefined) this.at = await this.storage.getAlarm();
		return this.at;
	}

	/**
	 * Sets the alarm for exactly `at` (null: none), later than it was as well: only for a caller
	 * that knows everything due (an alarm run's reckoning), as `by` alone never moves it later.
	 */
	async reset(at: number | null): Promise<void> {
		if ((await this.setFor()) === at) return;
		if (at === null) await this.storage.deleteAlarm();
		else await this.storage.setAlarm(at);
		this.at = at;
	}

	/** The alarm is running: nothing is set until the run asks again. */
	fired(): void {
		this.at = null;
	}

	async delete(): Promise<void> {
		await this.storage.deleteAlarm();
		this.at = null;
	}
}
