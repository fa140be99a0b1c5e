/**
 * The bench's Pulumi program, copied into a user's project as index.ts: N role settings as N
 * PgAuditSetting (`kind: setting`), as one PgAuditScopes (`kind: scopes`), or as N do-nothing
 * dynamic resources (`kind: floor`: what the engine itself costs per resource); or as one group
 * scope of PgAuditScopes whose N login members the apply resolves (`kind: group`).
 */
import * as pulumi from "@pulumi/pulumi";
import { PgAuditScopes, PgAuditSetting } from "pulumi-aiven-pgaudit";

const config = new pulumi.Config();
const kind = config.require("kind");
const count = config.requireNumber("count");
const log = config.require("log");
const role = (i: number) => `bench_${i}`;

/** What a do-nothing resource holds: the inputs the program gives it. */
interface NothingState {
    readonly role: string;
    readonly settings: { readonly log: string };
}

/** A provider that does nothing, the same object for every resource (serialized once). */
const nothing: pulumi.dynamic.ResourceProvider<NothingState, NothingState> = {
    check: (_olds, news) => Promise.resolve({ inputs: news }),
    diff: (_id, olds, news) => Promise.resolve({ changes: JSON.stringify(olds.settings) !== JSON.stringify(news.settings) }),
    create: (inputs) => Promise.resolve({ id: inputs.role, outs: inputs }),
    read: (id, props) => Promise.resolve({ id, props }),
    update: (_id, _olds, news) => Promise.resolve({ outs: news }),
    delete: () => Promise.resolve(),
};

class DoNothing extends pulumi.dynamic.Resource {
    constructor(name: string, args: Record<string, pulumi.Input<unknown>>) {
        super(nothing, name, args, undefined, "bench", "DoNothing");
    }
}

if (kind === "floor") {
    for (let i = 0; i < count; i++) new DoNothing(`role-${role(i)}`, { role: role(i), settings: { log } });
} else {
    const connection = config.requireSecret("connection");
    if (kind === "setting") {
        for (let i = 0; i < count; i++) new PgAuditSetting(`role-${role(i)}`, { connection, role: role(i), settings: { log: [log] } });
    } else if (kind === "scopes") {
        // `changed`: the one scope whose settings differ, for the bench's one-change preview.
        const changed = config.getNumber("changed");
        new PgAuditScopes("scopes", {
            connection,
            scopes: Array.from({ length: count }, (_, i) => ({ role: role(i), settings: { log: i === changed ? [log, "role"] : [log] } })),
        });
    } else if (kind === "group") {
        new PgAuditScopes("group", { connection, scopes: [], groups: [{ group: "bench_group", settings: { log: [log] } }] });
    } else {
        throw new Error(`kind: floor, setting, scopes or group, not ${kind}`);
    }
}
