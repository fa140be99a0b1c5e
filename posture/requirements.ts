/**
 * `--require ddl,role`: the classes every login role must audit in every database it may
 * connect to. A role without LOGIN, or without CONNECT on a database, is reported but not
 * required there: no session of it can run there.
 */
import { isPgAuditLogClass, pgAuditLogCovers, type PgAuditLogClass } from "../model/pgauditLog";
import { quoteName, quoteValue } from "./displayText";
import type { AuditPosture, EffectivePosture, EffectiveSetting, RequirementResult, Violation } from "./model";
import { describeOrigin, resetStatementText, setStatementText } from "./scopeText";
import { checkFunctions, requirementBaseline } from "./functionChecks";
import { routingViolation } from "./routingCheck";

/** A pgaudit class a gate can require (not none, not all). */
export type RequiredClass = Exclude<PgAuditLogClass, "none" | "all">;

/** What `all` means as a requirement: every class, each checked (and reported) on its own. */
const ALL_CLASSES: readonly RequiredClass[] = ["read", "write", "function", "role", "ddl", "misc"];

/** Parses `--require` values ("ddl,role", possibly repeated) into classes, or says what is wrong. */
export function parseRequiredClasses(values: readonly string[]): { classes: RequiredClass[] } | { error: string } {
    const classes: RequiredClass[] = [];
    for (const raw of values.flatMap((v) => v.split(","))) {
        const item = raw.trim().toLowerCase();
        if (item === "") return { error: `--require has an empty item; write classes separated by commas, e.g. --require ddl,role` };
        if (item.startsWith("-") || item === "none") {
            return { error: `--require lists classes that must be audited; "${raw.trim()}" cannot be required` };
        }
        if (!isPgAuditLogClass(item))
            return { error: `--require: "${raw.trim()}" is not a pgaudit class; expected some of ${ALL_CLASSES.join(", ")}, misc_set or all` };
        for (const cls of item === "all" ? ALL_CLASSES : [item as RequiredClass]) if (!classes.includes(cls)) classes.push(cls);
    }
    if (classes.length === 0) return { error: "--require needs at least one class, e.g. --require ddl,role" };
    return { classes };
}

function missingClasses(value: string, required: readonly RequiredClass[]): RequiredClass[] | undefined {
    try {
        return required.filter((cls) => !pgAuditLogCovers(value, [cls]));
    } catch {
        return undefined;
    }
}

function where(pair: EffectivePosture): string {
    return `role ${quoteName(pair.role)} in database ${quoteName(pair.database)}`;
}

function fixFor(log: EffectiveSetting, required: readonly RequiredClass[]): string {
    const reset = resetStatementText(log.from, log.name);
    if (reset) return `Fix: ${reset} (or set it to include ${required.join(", ")})`;
    return `Fix: include ${required.join(", ")} in the server-wide pgaudit.log (Aiven: pgUserConfig.pgaudit.logs)`;
}

/** The violation of one pair, or undefined when its effective pgaudit.log covers the classes. */
function checkPair(pair: EffectivePosture, required: readonly RequiredClass[], pgauditLoaded: boolean): Violation | undefined {
    const log = pair.settings.find((s) => s.name === "pgaudit.log") ?? { name: "pgaudit.log", value: null, from: { kind: "server", source: null } };
    const base = { role: pair.role, database: pair.database, setting: "pgaudit.log" as const, value: log.value, from: log.from };
    if (!pgauditLoaded) {
        return {
            ...base,
            lacks: [...required],
            reason: "pgaudit-not-loaded",
            message: `${where(pair)}: pgaudit is not loaded on this server, so nothing is audited`,
        };
    }
    if (log.value === null) {
        return {
            ...base,
            lacks: [...required],
            reason: "value-hidden",
            message:
                `${where(pair)}: pgaudit.log falls through to the server-wide value, which the connecting role cannot see ` +
                `(an override of its own masks it); cannot verify. Fix: run the check as a role without pgaudit overrides, or as a superuser`,
        };
    }
    const lacks = missingClasses(log.value, required);
    const written = setStatementText(log.from, log.name);
    const origin = `${describeOrigin(log.from)}${written ? ` (${written})` : ""}`;
    if (lacks === undefined) {
        return {
            ...base,
            lacks: [...required],
            reason: "value-unreadable",
            message: `${where(pair)}: pgaudit.log = ${quoteValue(log.value)} from ${origin} is not a valid class list. ${fixFor(log, required)}`,
        };
    }
    if (lacks.length === 0) return undefined;
    return {
        ...base,
        lacks,
        reason: "lacks-classes",
        message: `${where(pair)}: pgaudit.log = ${quoteValue(log.value)} lacks ${lacks.join(", ")}; set by ${origin}. ${fixFor(log, required)}`,
    };
}

/** Checks every login role × database pair it may connect to. */
export function checkRequirements(posture: AuditPosture, required: readonly RequiredClass[]): RequirementResult {
    let checked = 0;
    let noLogin = 0;
    let noConnect = 0;
    const violations: Violation[] = [];
    for (const pair of posture.effective) {
        if (!pair.canLogin) noLogin++;
        else if (!pair.canConnect) noConnect++;
        else {
            checked++;
            const violation = checkPair(pair, required, posture.pgauditLoaded);
            if (violation) violations.push(violation);
            // Lines that never reach the server log audit nothing anyone reads, whatever the classes.
            const lost = posture.pgauditLoaded ? routingViolation(pair) : undefined;
            if (lost) violations.push({ ...lost, lacks: [...required] });
        }
    }
    const functionViolations = checkFunctions(posture, requirementBaseline(required));
    return { classes: [...required], checked, notRequired: { noLogin, noConnect }, violations, functionViolations };
}
