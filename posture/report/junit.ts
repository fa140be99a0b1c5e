/**
 * `--format junit`: JUnit XML, so a CI system lists each rule × login role as a test case. A case
 * fails when the role violates the rule in some database (the failure names each database, the
 * scope responsible and the fix), is skipped when only exceptions excuse it, and passes
 * otherwise. Requirements, object requirements and functions get suites of their own; with
 * `--compare`, a suite of changes fails on any weakened pair. Every string goes through escape.xml.
 */
import type { PostureChanges, PostureReport } from "../model";
import { xml } from "./escape";
import { valueText } from "./matrix";

interface Case {
    readonly classname: string;
    readonly name: string;
    readonly failure?: { readonly type: string; readonly message: string; readonly body: readonly string[] };
    readonly skipped?: string;
    readonly out?: readonly string[];
}

interface Suite {
    readonly name: string;
    readonly cases: readonly Case[];
}

/** Login roles that some database lets connect: the roles a check applies to. */
function checkedRoles(report: PostureReport): string[] {
    const roles = new Set<string>();
    for (const p of report.posture.effective) if (p.canLogin && p.canConnect) roles.add(p.role);
    return [...roles];
}

function group<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
    const map = new Map<string, T[]>();
    for (const item of items) {
        const k = key(item);
        const list = map.get(k);
        if (list) list.push(item);
        else map.set(k, [item]);
    }
    return map;
}

const byRole = (rule: string, role: string) => JSON.stringify([rule, role]);

function failure(type: string, messages: readonly string[], databases: readonly (string | null)[]): Case["failure"] {
    const where = [...new Set(databases.filter((d): d is string => d !== null))];
    return { type, message: `${messages.length} violation(s)${where.length ? ` in ${where.join(", ")}` : ""}`, body: messages };
}

function baselineSuite(report: PostureReport, roles: readonly string[]): Suite | undefined {
    const b = report.baseline;
    if (!b) return undefined;
    const failed = group(b.violations, (v) => byRole(v.rule, v.role));
    const excused = group(b.excused ?? [], (v) => byRole(v.rule, v.role));
    const cases: Case[] = [];
    for (const rule of b.rules) {
        const classname = `pgaudit.baseline.${b.baseline.name}.${rule.id}`;
        for (const role of roles) {
            const f = failed.get(byRole(rule.id, role));
            const e = excused.get(byRole(rule.id, role));
            const name = `${rule.id} (${rule.references.join(", ")}): role ${role}`;
            if (f)
                cases.push({
                    classname,
                    name,
                    failure: failure(
                        f[0].reason,
                        f.map((v) => v.message),
                        f.map((v) => v.database),
                    ),
                });
            else if (e)
                cases.push({
                    classname,
                    name,
                    skipped: `excused by exception: ${[...new Set(e.map((v) => v.exception.reason))].join("; ")}`,
                    out: e.map((v) => v.message),
                });
            else cases.push({ classname, name });
        }
    }
    for (const v of b.functionViolations)
        cases.push({
            classname: `pgaudit.baseline.${b.baseline.name}.functions`,
            name: `${v.rule ?? "functions"}: ${v.function ?? "(functions)"} in ${v.database}`,
            failure: failure(v.reason, [v.message], [v.database]),
        });
    return { name: `baseline ${b.baseline.name}: ${b.baseline.document} ${b.baseline.version}`, cases };
}

function requirementSuite(report: PostureReport, roles: readonly string[]): Suite | undefined {
    const r = report.requirement;
    if (!r) return undefined;
    const classname = `pgaudit.require.${r.classes.join(",")}`;
    const failed = group(r.violations, (v) => v.role);
    const cases: Case[] = roles.map((role) => {
        const f = failed.get(role);
        return {
            classname,
            name: `role ${role}`,
            ...(f
                ? {
                      failure: failure(
                          f[0].reason,
                          f.map((v) => v.message),
                          f.map((v) => v.database),
                      ),
                  }
                : {}),
        };
    });
    for (const v of r.functionViolations)
        cases.push({
            classname: `${classname}.functions`,
            name: `${v.function ?? "(functions)"} in ${v.database}`,
            failure: failure(v.reason, [v.message], [v.database]),
        });
    return { name: `require ${r.classes.join(", ")}`, cases };
}

function objectSuite(report: PostureReport, roles: readonly string[]): Suite | undefined {
    const o = report.objectRequirement;
    if (!o) return undefined;
    const cases: Case[] = [];
    for (const requirement of o.requirements) {
        const classname = `pgaudit.require-object.${requirement}`;
        const violations = o.violations.filter((v) => v.requirement === requirement);
        for (const v of violations.filter((x) => x.roles.length === 0))
            cases.push({ classname, name: `${requirement} in ${v.database ?? "(no database)"}`, failure: failure(v.reason, [v.message], [v.database]) });
        for (const role of roles) {
            const f = violations.filter((v) => v.roles.includes(role));
            cases.push({
                classname,
                name: `role ${role}`,
                ...(f.length
                    ? {
                          failure: failure(
                              f[0].reason,
                              f.map((v) => v.message),
                              f.map((v) => v.database),
                          ),
                      }
                    : {}),
            });
        }
    }
    return { name: "require-object", cases };
}

function changesSuite(c: PostureChanges): Suite {
    const classname = "pgaudit.changes";
    const pair = (x: { role: string; database: string; setting: string; before: string | null; after: string | null }) =>
        `role ${x.role} in database ${x.database}: ${x.setting} ${valueText(x.before)} -> ${valueText(x.after)}`;
    const other = [
        ...c.rolesAdded.map((r) => `role added: ${r}`),
        ...c.rolesRemoved.map((r) => `role removed: ${r}`),
        ...c.databasesAdded.map((d) => `database added: ${d}`),
        ...c.databasesRemoved.map((d) => `database removed: ${d}`),
        ...c.changed.map(pair),
        ...c.newExceptions.map((e) => `new exception: ${e.role ?? "(any role)"} / ${e.database ?? "(any database)"}: ${e.reason}`),
        ...c.removedExceptions.map((e) => `removed exception: ${e.role ?? "(any role)"} / ${e.database ?? "(any database)"}: ${e.reason}`),
        ...c.newViolations.map((m) => `new violation: ${m}`),
        ...c.resolvedViolations.map((m) => `resolved violation: ${m}`),
    ];
    return {
        name: `changes since ${c.previousReadAt ?? "the previous report"}`,
        cases: [
            {
                classname,
                name: "no login role × database pair audits less than before",
                ...(c.weakened.length
                    ? {
                          failure: {
                              type: "weakened",
                              message: `${c.weakened.length} pair(s) weakened`,
                              body: c.weakened.map((w) => `${pair(w)} (lost ${w.lost.join(", ")})`),
                          },
                      }
                    : {}),
            },
            { classname, name: "pairs that audit more than before", out: c.strengthened.map((s) => `${pair(s)} (gained ${s.gained.join(", ")})`) },
            { classname, name: `other changes (verdict ${c.verdict.before} -> ${c.verdict.after})`, out: other },
        ],
    };
}

function renderCase(c: Case): string {
    const open = `    <testcase classname="${xml(c.classname)}" name="${xml(c.name)}"`;
    const inner = [
        c.failure ? `      <failure type="${xml(c.failure.type)}" message="${xml(c.failure.message)}">${c.failure.body.map(xml).join("\n")}</failure>` : "",
        c.skipped !== undefined ? `      <skipped message="${xml(c.skipped)}"/>` : "",
        c.out?.length ? `      <system-out>${c.out.map(xml).join("\n")}</system-out>` : "",
    ].filter(Boolean);
    return inner.length ? `${open}>\n${inner.join("\n")}\n    </testcase>` : `${open}/>`;
}

const tally = (cases: readonly Case[]) => ({
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    skipped: cases.filter((c) => c.skipped !== undefined).length,
});

/** The report as JUnit XML. */
export function renderJunit(report: PostureReport): string {
    const roles = checkedRoles(report);
    const suites = [
        requirementSuite(report, roles),
        baselineSuite(report, roles),
        objectSuite(report, roles),
        report.changes ? changesSuite(report.changes) : undefined,
    ].filter((s): s is Suite => s !== undefined);
    // A report with no check asked for still says something: pgaudit's presence, as one case.
    if (suites.length === 0) {
        suites.push({
            name: "posture",
            cases: [
                {
                    classname: "pgaudit.posture",
                    name: "pgaudit is loaded",
                    ...(report.posture.pgauditLoaded
                        ? {}
                        : { failure: failure("pgaudit-not-loaded", ["pgaudit is not loaded on this server: nothing is audited"], []) }),
                },
            ],
        });
    }
    const all = tally(suites.flatMap((s) => s.cases));
    const stamp = report.posture.readAt ? ` timestamp="${xml(report.posture.readAt)}"` : "";
    const who = report.posture.connectedAs;
    const body = suites.map((s) => {
        const t = tally(s.cases);
        return `  <testsuite name="${xml(s.name)}" tests="${t.tests}" failures="${t.failures}" errors="0" skipped="${t.skipped}"${stamp}>\n${s.cases.map(renderCase).join("\n")}\n  </testsuite>`;
    });
    return (
        `<?xml version="1.0" encoding="UTF-8"?>\n` +
        `<testsuites name="${xml(`pgaudit-posture ${who.host}:${who.port}`)}" tests="${all.tests}" failures="${all.failures}" errors="0" skipped="${all.skipped}"${stamp}>\n` +
        `${body.join("\n")}\n</testsuites>\n`
    );
}
