/**
 * A service-level pgaudit block as the values a baseline is evaluated on: the component checks
 * what a program declares with it, the policy pack what the engine hands it.
 */
import { SETTING_KEYS, type SettingValue, type SettingValues } from "../model/settings";
import { DEFAULT_FEATURE_ENABLED, type PgAuditConfig } from "../model/serviceAudit";
import type { PgauditValues } from "./evaluate";

/** The values of a service-level block, in per-scope setting names (Aiven's `logs` is pgaudit's `log`). */
export function serviceValues(block: PgAuditConfig): PgauditValues {
    const settings: SettingValues = {};
    for (const key of SETTING_KEYS) {
        const value = key === "log" ? block.logs : (block as Record<string, unknown>)[key];
        if (value !== undefined && value !== null) settings[key] = value as SettingValue;
    }
    return { enabled: block.featureEnabled ?? DEFAULT_FEATURE_ENABLED, settings };
}
