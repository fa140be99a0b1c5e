/**
 * Where each login session's AUDIT lines go, from its effective settings: the rule itself is
 * provider/core/auditRouting.ts; this only picks the three values a session gets and says, when
 * one is hidden or unreadable, that nobody can tell (a gate then fails closed).
 */
import { auditLossText, auditRouting, LOG_MIN_MESSAGES } from "../model/auditRouting";
import { SETTING_DEFINITIONS } from "../model/settings";
import type { AuditLines, EffectiveSetting } from "./model";

/** The settings that route an AUDIT line, by server name. */
export const ROUTING_SETTINGS = [SETTING_DEFINITIONS.logClient.name, SETTING_DEFINITIONS.logLevel.name, LOG_MIN_MESSAGES] as const;

/** Where the AUDIT lines of a session with these effective settings go. */
export function auditLinesOf(settings: readonly EffectiveSetting[]): AuditLines {
    const values: string[] = [];
    for (const name of ROUTING_SETTINGS) {
        const found = settings.find((s) => s.name === name);
        // A server that does not list the setting (pgaudit not loaded) has nothing to route.
        if (!found) return { toServerLog: null, toClient: null, emittedAt: null, unknown: { setting: name, why: "unreadable" } };
        if (found.value === null) return { toServerLog: null, toClient: null, emittedAt: null, unknown: { setting: name, why: "hidden" } };
        values.push(found.value);
    }
    const [logClient, logLevel, logMinMessages] = values;
    const routing = auditRouting({ logClient, logLevel, logMinMessages });
    if ("unreadable" in routing) return { toServerLog: null, toClient: null, emittedAt: null, unknown: { setting: routing.unreadable, why: "unreadable" } };
    const loss = auditLossText(routing);
    return { toServerLog: routing.toServerLog, toClient: routing.toClient, emittedAt: routing.emittedAt, ...(loss ? { loss } : {}) };
}
