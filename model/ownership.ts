/**
 * Who owns a scope, decided from the owner records the server keeps (catalog/ownerStore.ts): pure.
 *
 * Why records on the server: the engine runs the create of a renamed or moved resource before
 * the delete of the old one, hands delete the old outputs, and tells a dynamic provider nothing
 * of the URN; a second stack is another process, maybe another machine. Only the server sees all
 * of them. Each resource gets a random owner id at create (kept in state); a scope's records name
 * every id that holds it, with its stack and resource (for messages).
 *
 * - claim: a holder of this stack under another id is a rename, a move or a shape switch in
 *   flight (the old resource is deleted later in the same up, or was retained): the new one takes
 *   the scope, and its values are this stack's, not foreign. A holder of another stack is refused
 *   unless `adopt`, which takes it too.
 * - release: delete (and a scope dropped from PgAuditScopes) RESETs only while no other resource
 *   holds the scope, so the old half of a rename never undoes the new half.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { describeScope } from "./scope";
import type { Scope } from "./scope";

/** Which stack and resource a program's resource is: set by the resource classes, not by users. */
export const ownerLabelSchema = z.strictObject({
    /** `project/stack`: a record of the same stack may be taken over (rename, move, shape switch). */
    stack: z.string().min(1).max(500),
    /** `PgAuditSetting "a"`: for messages only. */
    resource: z.string().min(1).max(500),
});
export type OwnerLabel = z.output<typeof ownerLabelSchema>;

/** The stack recorded for a resource whose inputs carry no owner label (state of an older version). */
export const UNKNOWN_STACK = "(unknown stack)";

/** The random id a resource gets at create; 16 characters keep state small. */
export const ownerIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

export function newOwnerId(): string {
    return randomBytes(12).toString("base64url");
}

/** One row of the owner table. */
export interface OwnerRecord {
    readonly scope: string;
    readonly ownerId: string;
    readonly stack: string;
    readonly resource: string;
    readonly claimedAt: string;
}

/** Who is asking: its id (undefined for state written before owner records) and label. */
export interface Claimant {
    readonly id: string;
    readonly label?: OwnerLabel;
}

export type ClaimDecision =
    /** Hold the scope. `evict`: the other holders it takes it from; `handover`: one of them is of this stack (its values are not foreign). */
    { readonly kind: "claim"; readonly evict: readonly string[]; readonly handover: boolean } | { readonly kind: "refuse"; readonly problem: string };

const holder = (r: OwnerRecord) => `${r.resource} of stack ${r.stack} (holding it since ${r.claimedAt} UTC)`;

/**
 * May the claimant hold `scope`, given every record of it? `previouslyOwned`: its state already
 * lists the scope under a recorded owner id (an update).
 */
export function decideClaim(args: {
    /** A settings scope, or the message name of another kind (object audit: `the object audit of role "auditor" in database "shop"`). */
    readonly scope: Scope | string;
    readonly records: readonly OwnerRecord[];
    readonly claimant: Claimant;
    readonly previouslyOwned: boolean;
    readonly adopt: boolean;
}): ClaimDecision {
    const { claimant } = args;
    const others = args.records.filter((r) => r.ownerId !== claimant.id);
    if (others.length === 0) return { kind: "claim", evict: [], handover: false };
    // A record claimed by state older than owner labels (at a refresh, before that stack's first
    // up after upgrading records its label) cannot be told apart from this stack's: not refused.
    const isOurs = (r: OwnerRecord) => r.stack === UNKNOWN_STACK || r.stack === (claimant.label?.stack ?? UNKNOWN_STACK);
    const otherStacks = others.filter((r) => !isOurs(r));
    const ourStack = others.filter(isOurs);
    const holding = others.length < args.records.length;
    const scope = typeof args.scope === "string" ? args.scope : describeScope(args.scope);
    if (args.adopt) return { kind: "claim", evict: others.map((r) => r.ownerId), handover: ourStack.length > 0 };
    if (args.previouslyOwned && !holding) {
        const [first] = otherStacks.length > 0 ? otherStacks : ourStack;
        const fix =
            otherStacks.length > 0
                ? `declare it in one stack only (remove it from this resource, or from stack ${first.stack}), or set adopt: true here to take it back`
                : `it is declared twice in this stack; remove it from one of the two`;
        return { kind: "refuse", problem: `${scope} is no longer held by this resource: ${holder(first)} took it over. Fix: ${fix}` };
    }
    if (otherStacks.length > 0) {
        const [first] = otherStacks;
        return {
            kind: "refuse",
            problem:
                `${scope} is owned by ${holder(first)}: two stacks must not declare one scope (each delete would reset the other's). ` +
                `Fix: declare it in one stack only (remove it from this one or from stack ${first.stack}); to move it here, set adopt: true ` +
                `(stack ${first.stack}'s next up then fails on it, and its delete leaves it alone), or set retainOnDelete on the resource there and remove it`,
        };
    }
    // Another holder of this stack is the old half of a rename, move or shape switch (deleted
    // later in this up, or retained: the engine never calls it again), or a second declaration in
    // this program. Take the scope from it: its delete then resets nothing, and a live one is told
    // at its next up.
    return { kind: "claim", evict: ourStack.map((r) => r.ownerId), handover: true };
}

/** Delete, or a scope no longer declared: RESET only when no other resource holds the scope. */
export function mayRelease(records: readonly OwnerRecord[], ownerId: string | undefined): boolean {
    return records.every((r) => r.ownerId === ownerId);
}

/** Read (refresh): a scope held by others but not by this resource is no longer this one's. */
export function ownedElsewhere(records: readonly OwnerRecord[], ownerId: string | undefined): boolean {
    return records.length > 0 && !records.some((r) => r.ownerId === ownerId);
}

/** The server a connection addresses: a change of it replaces the resource (create there first, then delete here). */
function serverOf(connection: unknown): string | undefined {
    if (connection === null || typeof connection !== "object") return undefined;
    const { host, port } = connection as { host?: unknown; port?: unknown };
    if (typeof host !== "string" || typeof port !== "number") return undefined;
    return `${host.toLowerCase()}:${port}`;
}

/** True when both connections are known and address different servers. */
export function serverChanged(olds: unknown, news: unknown): boolean {
    const [a, b] = [serverOf(olds), serverOf(news)];
    return a !== undefined && b !== undefined && a !== b;
}

/** Take over pgaudit settings that already exist at a scope this resource starts to own, instead of failing. */
export const adoptSchema = z.boolean({ error: "must be true or false" }).default(false);
