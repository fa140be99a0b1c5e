/**
 * What a `pulumi preview --json` changes in pgaudit, scope by scope. A dynamic provider cannot
 * narrow the CLI's diff, so `preview --diff` prints every scope of a changed PgAuditScopes (10,016
 * lines for one change among 10,000); this reads the steps the CLI prints instead: the state each
 * resource holds (old outputs) against the checked inputs it will apply (new inputs), for
 * PgAuditSetting, PgAuditScopes (the component's default shape too) and aiven.Pg's service-level
 * block. Scopes are compared across resources, so a rename or a move that keeps a scope's
 * settings is no change, and one that drops them is.
 */
import { z } from "zod";
import { evaluateBaseline, PGAUDIT_DEFAULTS } from "../baselines/evaluate";
import type { Baseline } from "../baselines/baseline";
import { ruleLabel } from "../baselines/baseline";
import { firstUnreadable, plainCopy, scopesScopes, scopeWords, settingScopes, Unreadable, type DeclaredScope } from "../model/checkedInputs";
import { auditLossText, auditRouting, LOG_MIN_MESSAGES_DEFAULT } from "../model/auditRouting";
import { pgAuditLogClasses } from "../model/pgauditLog";
import { groupKey, isGroupScope, scopeId } from "../model/scope";
import { changedSettingKeys, SETTING_KEYS, type SettingValue, type SettingValues } from "../model/settings";
import { encodeSettingsText } from "../model/settingsText";

const SETTING_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting";
const SCOPES_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes";
const PG_TYPE = "aiven:index/pg:Pg";

const stateSchema = z.looseObject({
    type: z.string(),
    urn: z.string(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    outputs: z.record(z.string(), z.unknown()).optional(),
});
/** The part of `pulumi preview --json` this reads. */
export const previewJsonSchema = z.looseObject({
    steps: z.array(z.looseObject({ op: z.string(), urn: z.string(), oldState: stateSchema.optional(), newState: stateSchema.optional() }), {
        error: "has no steps: give it the output of `pulumi preview --json`",
    }),
});
export type PreviewJson = z.output<typeof previewJsonSchema>;

/** One scope's change. */
export interface ScopeChange {
    /** `role "app" in database "shop"`, `server (aiven.Pg "db")`, or what could not be read. */
    readonly scope: string;
    readonly kind: "added" | "removed" | "changed" | "unreadable";
    /** Settings lines (`log=ddl,role; logCatalog=false`) before and after. */
    readonly before?: string;
    readonly after?: string;
    /** Each way the change weakens auditing; empty when it does not. */
    readonly weakens: string[];
    /** The resources that held (before) and hold (after) the scope: `PgAuditScopes "audit-scopes"`. */
    readonly resources: string[];
}

export interface Review {
    /** Every changed scope, weakening ones first. */
    readonly changes: ScopeChange[];
    /** How many pgaudit resources the preview touches (changed, added, removed). */
    readonly resourcesChanged: number;
}

const kindOf = (type: string) => type.slice(type.lastIndexOf(":") + 1);
const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Unreadable);

/** The scopes one side of a step holds: key → settings (or what could not be read). */
interface Held {
    readonly resource: string;
    readonly scopes: Map<string, { scope: string; settings: SettingValues | Unreadable }>;
}

function scopesOf(type: string, urn: string, props: Record<string, unknown>): Held {
    const resource = `${type === PG_TYPE ? "aiven.Pg" : kindOf(type)} "${nameOf(urn)}"`;
    const scopes: Held["scopes"] = new Map();
    if (type === PG_TYPE) {
        const key = `server/${resource}`;
        const config = plainCopy(props.pgUserConfig, "pgUserConfig");
        const block = config === undefined || config === null ? {} : isRecord(config) ? (config.pgaudit ?? {}) : config;
        const unreadable = firstUnreadable(block) ?? (isRecord(block) ? undefined : new Unreadable("pgUserConfig.pgaudit", "is not an object"));
        scopes.set(key, { scope: `server (${resource})`, settings: unreadable ?? serviceSettings(block as Record<string, unknown>) });
        return { resource, scopes };
    }
    const declared = type === SETTING_TYPE ? settingScopes(props) : scopesScopes(props);
    const list: DeclaredScope[] = declared instanceof Unreadable ? [{ at: declared.at, scope: declared, settings: declared }] : declared;
    for (const d of list) {
        const key = d.scope instanceof Unreadable ? `unreadable/${resource}/${d.at}` : isGroupScope(d.scope) ? groupKey(d.scope) : scopeId(d.scope);
        const scope = d.scope instanceof Unreadable ? `${resource}: ${d.scope.at} ${d.scope.why}` : scopeWords(d.scope);
        scopes.set(key, { scope, settings: d.settings });
    }
    return { resource, scopes };
}

/** aiven.Pg's block in per-scope names (Aiven's `logs` is pgaudit's `log`; Aiven's state keeps unset keys as null). */
function serviceSettings(block: Record<string, unknown>): SettingValues {
    const settings: SettingValues = {};
    for (const key of SETTING_KEYS) {
        const value = key === "log" ? block.logs : block[key];
        if (value !== undefined && value !== null) settings[key] = value as SettingValue;
    }
    if (block.featureEnabled !== true) settings.log = [];
    return settings;
}

/** How `to` audits less than `from` at one scope (undefined = the scope holds nothing: it inherits). */
function weakenings(from: SettingValues | undefined, to: SettingValues | undefined, baseline?: Baseline, service = false): string[] {
    const out: string[] = [];
    if (to === undefined) return from === undefined ? [] : ["reset: its sessions fall back to the database or server values"];
    if (from?.log !== undefined && to.log === undefined) out.push("pgaudit.log no longer set here: its sessions fall back to the inherited value");
    if (to.log !== undefined) {
        let lost: string[] = [];
        try {
            const kept = new Set(pgAuditLogClasses(to.log as string[]));
            lost = from?.log !== undefined ? pgAuditLogClasses(from.log as string[]).filter((c) => !kept.has(c)) : [];
        } catch {
            out.push("pgaudit.log is not a class list pgaudit accepts");
        }
        if (lost.length > 0) out.push(`loses ${lost.join(", ")}`);
    }
    if (to.logCatalog === false && from?.logCatalog !== false) out.push("pgaudit.log_catalog off");
    // Judged at PostgreSQL's default log_min_messages: a declaration cannot see the server's.
    const loss = (v: SettingValues | undefined) => {
        if (v?.logClient === undefined || (v.logClient === true && v.logLevel === undefined)) return undefined;
        const routing = auditRouting({ logClient: v.logClient as boolean, logLevel: String(v.logLevel ?? "log"), logMinMessages: LOG_MIN_MESSAGES_DEFAULT });
        return "unreadable" in routing ? `${routing.unreadable} cannot be read` : auditLossText(routing, { logMinMessagesAssumed: true });
    };
    const diverted = loss(to);
    if (diverted !== undefined && loss(from) === undefined) out.push(diverted);
    if (baseline) {
        const findings = evaluateBaseline(
            baseline,
            service ? { enabled: (to.log as string[] | undefined)?.length !== 0, settings: to } : { settings: to },
            service ? { defaults: PGAUDIT_DEFAULTS } : {},
        );
        for (const f of findings)
            out.push(`below ${ruleLabel(baseline, f.rule)}: ${f.setting === "log" ? `lacks ${(f.lacks ?? []).join(", ")}` : `${f.setting} ${f.problem}`}`);
    }
    return out;
}

const line = (s: SettingValues) => encodeSettingsText(s) || "(nothing)";

/** The pgaudit changes of a preview, scope by scope; `baseline` adds "below the baseline" as a weakening. */
export function reviewPreview(preview: PreviewJson, baseline?: Baseline): Review {
    const before = new Map<string, { scope: string; settings: SettingValues | Unreadable; resource: string }>();
    const after = new Map<string, { scope: string; settings: SettingValues | Unreadable; resource: string }>();
    let resourcesChanged = 0;
    for (const step of preview.steps) {
        const type = step.newState?.type ?? step.oldState?.type ?? "";
        if (type !== SETTING_TYPE && type !== SCOPES_TYPE && type !== PG_TYPE) continue;
        // A replacement prints its old half as delete-replaced and its new half as create-replacement.
        const holdsAfter = !["delete", "delete-replaced", "discard", "remove-pending-replace"].includes(step.op);
        const changes = step.op !== "same" && step.op !== "read" && step.op !== "refresh";
        // The CLI prints no state for an unchanged resource.
        if (!changes) continue;
        const oldSide = step.oldState?.outputs ? scopesOf(type, step.urn, step.oldState.outputs) : undefined;
        const newSide = step.newState?.inputs ? scopesOf(type, step.urn, step.newState.inputs) : undefined;
        resourcesChanged++;
        if (oldSide && step.op !== "create-replacement") for (const [k, v] of oldSide.scopes) before.set(k, { ...v, resource: oldSide.resource });
        if (newSide && holdsAfter) for (const [k, v] of newSide.scopes) after.set(k, { ...v, resource: newSide.resource });
    }
    const changes: ScopeChange[] = [];
    for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const b = before.get(key);
        const a = after.get(key);
        const resources = [...new Set([b?.resource, a?.resource].filter((r): r is string => r !== undefined))];
        const scope = (a ?? b)!.scope;
        const unreadable = [b?.settings, a?.settings].find((s): s is Unreadable => s instanceof Unreadable);
        if (unreadable) {
            changes.push({ scope, kind: "unreadable", weakens: [`cannot be reviewed: ${unreadable.at} ${unreadable.why}`], resources });
            continue;
        }
        const from = b?.settings as SettingValues | undefined;
        const to = a?.settings as SettingValues | undefined;
        let same: boolean;
        try {
            same = from !== undefined && to !== undefined && changedSettingKeys(from, to).length === 0;
        } catch {
            same = false;
        }
        if (same) continue; // unchanged, or moved between resources with the same settings
        changes.push({
            scope,
            kind: from === undefined ? "added" : to === undefined ? "removed" : "changed",
            ...(from ? { before: line(from) } : {}),
            ...(to ? { after: line(to) } : {}),
            weakens: weakenings(from, to, baseline, key.startsWith("server/")),
            resources,
        });
    }
    changes.sort((x, y) => Number(y.weakens.length > 0) - Number(x.weakens.length > 0));
    return { changes, resourcesChanged };
}
