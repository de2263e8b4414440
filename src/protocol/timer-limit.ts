/**
 * The longest delay a Node timer holds: 2^31 - 1 ms, about 24.8 days. setTimeout fires a
 * longer one after 1 ms (with a TimeoutOverflowWarning), so a duration meant as "about never"
 * would end at once: past this, a duration either bounds nothing or is refused as a setting.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
