/**
 * `--compare previous.json`: what changed between a previous `--json` report and this one, so a
 * scheduled run shows drift. A pair is weaker when its pgaudit.log audits fewer classes (as
 * pgaudit builds the bitmap, never by text) or its AUDIT lines stopped reaching the server log;
 * stronger in the reverse cases. Only pairs whose role can log in and connect are judged.
 */
import { z } from "zod";
import { postureReportSchema, type BaselineExceptionEntry, type EffectivePosture, type PostureChanges, type PostureReport } from "../model";
import { classesText } from "./matrix";
import { findings, verdictOf } from "./verdict";

/** Reads a previous `--json` report, or says which field is wrong. */
export function parsePreviousReport(text: string, file: string): { report: PostureReport } | { error: string } {
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (err) {
        return { error: `--compare ${file}: cannot read it as JSON (${(err as Error).message})` };
    }
    const parsed = postureReportSchema.safeParse(data);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const at = issue.path.length ? z.core.toDotPath(issue.path) : "(the file)";
        return { error: `--compare ${file}: ${at}: ${issue.message}; expected a report written by pgaudit-posture --json` };
    }
    return { report: parsed.data };
}

const pairKey = (p: { role: string; database: string }) => JSON.stringify([p.role, p.database]);
const exceptionKey = (e: BaselineExceptionEntry) => JSON.stringify([e.role ?? null, e.database ?? null, e.reason]);

function classesOf(pair: EffectivePosture): string[] | null {
    const text = classesText(pair.settings.find((s) => s.name === "pgaudit.log")?.value ?? null);
    if (text === "?" || text === "(invalid)") return null;
    return text === "(nothing)" ? [] : text.split(",");
}

function setting(pair: EffectivePosture, name: string): string | null {
    return pair.settings.find((s) => s.name === name)?.value ?? null;
}

/** The items of `now` not in `before`. */
function added<T>(now: readonly T[], before: readonly T[]): T[] {
    const seen = new Set(before);
    return now.filter((x) => !seen.has(x));
}

/** The changes from `previous` to `current`. */
export function compareReports(previous: PostureReport, current: PostureReport): PostureChanges {
    const names = (r: PostureReport, kind: "roles" | "databases") => r.posture[kind].map((x) => x.name);
    const changes: PostureChanges = {
        previousReadAt: previous.posture.readAt ?? null,
        rolesAdded: added(names(current, "roles"), names(previous, "roles")),
        rolesRemoved: added(names(previous, "roles"), names(current, "roles")),
        databasesAdded: added(names(current, "databases"), names(previous, "databases")),
        databasesRemoved: added(names(previous, "databases"), names(current, "databases")),
        weakened: [],
        strengthened: [],
        changed: [],
        newViolations: [],
        resolvedViolations: [],
        newExceptions: [],
        removedExceptions: [],
        verdict: { before: verdictOf(previous), after: verdictOf(current) },
    };
    const before = new Map(previous.posture.effective.map((p) => [pairKey(p), p]));
    for (const now of current.posture.effective) {
        const was = before.get(pairKey(now));
        if (!was || !now.canLogin || !now.canConnect) continue;
        const at = { role: now.role, database: now.database };
        const log = { ...at, setting: "pgaudit.log", before: setting(was, "pgaudit.log"), after: setting(now, "pgaudit.log") };
        const [c0, c1] = [classesOf(was), classesOf(now)];
        if (c0 && c1) {
            const lost = c0.filter((c) => !c1.includes(c));
            const gained = c1.filter((c) => !c0.includes(c));
            if (lost.length) changes.weakened.push({ ...log, lost });
            if (gained.length) changes.strengthened.push({ ...log, gained });
        } else if (log.before !== log.after) changes.changed.push(log);
        const [r0, r1] = [was.auditLines.toServerLog, now.auditLines.toServerLog];
        const routing = { ...at, setting: "AUDIT lines" };
        if (r0 === true && r1 !== true)
            changes.weakened.push({ ...routing, before: "server log", after: now.auditLines.loss ?? "unknown", lost: ["server log"] });
        else if (r0 !== true && r1 === true)
            changes.strengthened.push({ ...routing, before: was.auditLines.loss ?? "unknown", after: "server log", gained: ["server log"] });
        for (const s of now.settings) {
            if (s.name === "pgaudit.log") continue;
            const old = setting(was, s.name);
            if (old !== s.value) changes.changed.push({ ...at, setting: s.name, before: old, after: s.value });
        }
    }
    const messages = (r: PostureReport) => findings(r).map((f) => f.message);
    changes.newViolations = added(messages(current), messages(previous));
    changes.resolvedViolations = added(messages(previous), messages(current));
    const exceptions = (r: PostureReport) => new Map((r.baseline?.exceptions ?? []).map(({ excuses: _, ...e }) => [exceptionKey(e), e]));
    const [e0, e1] = [exceptions(previous), exceptions(current)];
    changes.newExceptions = added([...e1.keys()], [...e0.keys()]).map((k) => e1.get(k)!);
    changes.removedExceptions = added([...e0.keys()], [...e1.keys()]).map((k) => e0.get(k)!);
    return changes;
}

/** True when nothing a reader would look at changed. */
export function unchanged(c: PostureChanges): boolean {
    return (
        [
            c.rolesAdded,
            c.rolesRemoved,
            c.databasesAdded,
            c.databasesRemoved,
            c.weakened,
            c.strengthened,
            c.changed,
            c.newViolations,
            c.resolvedViolations,
            c.newExceptions,
            c.removedExceptions,
        ].every((list) => list.length === 0) && c.verdict.before === c.verdict.after
    );
}
