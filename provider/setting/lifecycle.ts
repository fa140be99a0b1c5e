/**
 * check and diff: pure functions of the inputs, so that `pulumi preview` never touches a
 * database. During a preview, inputs that depend on resources not yet created arrive as the
 * engine's unknown sentinel; they are neither validated nor compared.
 */
import { sameConnection } from "../../model/connectionSpec";
import { checkWith, ownProperties, parseOrThrow, hasUnknown, type CheckOutcome } from "../core/dynamicInputs";
import { sameJson } from "../../model/sameJson";
import { pgAuditSettingInputsSchema, pgAuditSettingStateSchema, settingInputFailures, type PgAuditSettingInputs, type PgAuditSettingState } from "./schema";
import { serverChanged } from "../../model/ownership";
import { changedSettingKeys, type SettingValues } from "../../model/settings";

export { UNKNOWN } from "../../model/inputFailures";

/** Validates and normalizes a resource's inputs; all failures at once. */
export function checkInputs(news: Record<string, unknown>): CheckOutcome {
    return checkWith(pgAuditSettingInputsSchema, ownProperties(news), settingInputFailures);
}

/** Parses inputs that check has already accepted (create, update). */
export function parseInputs(props: Record<string, unknown>): PgAuditSettingInputs {
    return parseOrThrow("PgAuditSetting", pgAuditSettingInputsSchema, props, settingInputFailures);
}

/** Parses a resource's state (read, delete): a scope found empty by refresh is valid state. */
export function parseState(props: Record<string, unknown>): PgAuditSettingState {
    return parseOrThrow("PgAuditSetting", pgAuditSettingStateSchema, props, settingInputFailures);
}

export interface DiffOutcome {
    readonly changes: boolean;
    readonly replaces: string[];
    /** Why there are changes, for tests and messages: property names. */
    readonly changed: string[];
}

/**
 * Compares the last state with new inputs. A scope change replaces; settings compare by meaning
 * (pgaudit.log as a bitmap); a connection change is an update so that the credentials delete
 * will use stay current, unless it addresses another server: then a replace, whose create claims
 * the scope there (adopt check included) before the old delete resets it on the old server.
 * An owner label change (a stack renamed, an aliased rename) updates the record.
 */
export function diffInputs(olds: Record<string, unknown>, news: Record<string, unknown>): DiffOutcome {
    const replaces: string[] = (["database", "role"] as const).filter((k) => olds[k] !== news[k]);
    if (serverChanged(olds.connection, news.connection)) replaces.push("connection");
    const changed: string[] = [...replaces];
    const oldSettings = (olds.settings ?? {}) as SettingValues;
    const newSettings = news.settings as SettingValues | string | undefined;
    if (newSettings === undefined || typeof newSettings !== "object" || hasUnknown(newSettings)) {
        changed.push("settings");
    } else {
        let settingsChanged: boolean;
        try {
            settingsChanged = changedSettingKeys(oldSettings, newSettings).length > 0;
        } catch {
            settingsChanged = true;
        }
        if (settingsChanged) changed.push("settings");
    }
    if (!sameConnection(olds.connection, news.connection) && !changed.includes("connection")) changed.push("connection");
    if (!sameJson(olds.owner, news.owner)) changed.push("owner");
    if ((olds.connectDeadlineSeconds ?? 60) !== (news.connectDeadlineSeconds ?? 60)) changed.push("connectDeadlineSeconds");
    return { changes: changed.length > 0, replaces: [...replaces], changed };
}
