/**
 * Runs a Pulumi program under mocks and feeds what it registered to policies through
 * @pulumi/policy's public API only (validateResource / validateStack with the argument bags its
 * types describe), as @pulumi/policy documents unit testing policies. The engine hands an analyzer
 * the provider-CHECKED inputs (test/cli/policyPack.test.ts measures it), so each dynamic
 * resource's inputs go through its provider's real check first, and top-level resources are
 * parented to the stack as the engine parents them. Parent and dependsOn are captured with a
 * transformation, since the mocks do not see them; props are wrapped in the library's
 * unknownCheckingProxy, as the analyzer server does. This is the fast path for many programs;
 * test/cli/policyPack.test.ts is the proof through the real engine.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Policies, PolicyResource, PolicyResourceOptions, ResourceValidationArgs } from "@pulumi/policy";
import { checkingProxy } from "./checkingProxy";
import { pgAuditExclusiveProvider, pgAuditObjectAuditProvider, pgAuditScopesProvider, pgAuditSettingProvider, type StateProvider } from "./providers";
import { setMocks } from "./mocks";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const STACK_URN = "urn:pulumi:test::policy-test::pulumi:pulumi:Stack::policy-test-test";

/** The provider whose check turns a dynamic resource's program inputs into what the engine hands a policy. */
const PROVIDERS: Record<string, StateProvider | undefined> = {
    "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting": pgAuditSettingProvider,
    "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes": pgAuditScopesProvider,
    "pulumi-nodejs:dynamic/pgaudit:PgAuditExclusive": pgAuditExclusiveProvider,
    "pulumi-nodejs:dynamic/pgaudit:PgAuditObjectAudit": pgAuditObjectAuditProvider,
};

/** What the engine hands a policy for one resource: its provider's checked inputs, where it has one here. */
async function checkedInputs(type: string, inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const provider = PROVIDERS[type];
    if (!provider) return inputs;
    const result = await provider.check({}, inputs);
    if (result.failures?.length) throw new Error(`${type} check failed: ${JSON.stringify(result.failures)}`);
    // A check that returns no inputs leaves them as given, as the engine does.
    return result.inputs ?? inputs;
}

const inputsByKey = new Map<string, Record<string, unknown>>();
setMocks(
    {
        newResource(args) {
            inputsByKey.set(`${args.type}::${args.name}`, args.inputs);
            const state: Record<string, unknown> = { ...args.inputs };
            if (args.type === "aiven:index/pg:Pg") {
                const serviceName = (args.inputs.serviceName as string | undefined) ?? args.name;
                Object.assign(state, {
                    serviceName,
                    serviceHost: `${serviceName}.example`,
                    servicePort: 5432,
                    serviceUsername: "avnadmin",
                    servicePassword: "pw",
                });
            }
            return { id: `${args.name}-id`, state };
        },
        call(args) {
            if (args.token === "aiven:index/getProject:getProject") return { project: args.inputs.project, caCert: "CA" };
            throw new Error(`unexpected call ${args.token}`);
        },
    },
    "policy-test",
    "test",
);

/** Secrets as the analyzer shows them to policies: their plain values. */
function plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plain);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    if (SIG_KEY in record) return plain(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
}

interface Captured {
    readonly resource: pulumi.Resource;
    readonly type: string;
    readonly name: string;
    readonly opts: pulumi.ResourceOptions;
}

/** Options to pass to every top-level resource of a program, so that it and its children are captured. */
export type ProgramOptions = { transformations: pulumi.ResourceTransformation[] };

const OPTIONS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

const unsupported = () => {
    throw new Error("the pgaudit policies use resource types, not classes");
};

/** Runs `program` and returns its resources as a stack validation sees them. */
export async function runProgram(program: (opts: ProgramOptions) => void): Promise<PolicyResource[]> {
    const captured: Captured[] = [];
    program({
        transformations: [
            (args) => {
                captured.push({ resource: args.resource, type: args.type, name: args.name, opts: args.opts });
                return undefined;
            },
        ],
    });
    const urnOf = (r: pulumi.Resource) => new Promise<string>((resolve) => r.urn.apply(resolve));
    // Known once the constructors returned (a transformation runs inside the base constructor).
    const isCustom = (c: Captured) => pulumi.CustomResource.isInstance(c.resource);
    const urns = await Promise.all(captured.map((c) => urnOf(c.resource)));
    // The URN is known before the mocks see the registration; the id only after.
    await Promise.all(captured.filter(isCustom).map((c) => new Promise((resolve) => (c.resource as pulumi.CustomResource).id.apply(resolve))));
    const byUrn = new Map<string, PolicyResource>();
    const resources = await Promise.all(
        captured.map(async (c, i) => {
            const parent = c.opts.parent ? await urnOf(c.opts.parent) : undefined;
            const dependsOn =
                c.opts.dependsOn === undefined
                    ? []
                    : await new Promise<pulumi.Resource[]>((resolve) =>
                          pulumi.output(c.opts.dependsOn as pulumi.Input<pulumi.Resource[]>).apply((d) => resolve(([] as pulumi.Resource[]).concat(d))),
                      );
            const inputs = isCustom(c) ? (inputsByKey.get(`${c.type}::${c.name}`) ?? {}) : {};
            const props = await checkedInputs(c.type, plain(inputs) as Record<string, unknown>);
            return { c, urn: urns[i], parent: parent ?? STACK_URN, deps: await Promise.all(dependsOn.map(urnOf)), props };
        }),
    );
    byUrn.set(STACK_URN, {
        type: "pulumi:pulumi:Stack",
        name: "policy-test-test",
        urn: STACK_URN,
        props: checkingProxy({}),
        opts: OPTIONS,
        dependencies: [],
        propertyDependencies: {},
        isType: unsupported,
        asType: unsupported,
    } as PolicyResource);
    for (const r of resources) {
        byUrn.set(r.urn, {
            type: r.c.type,
            name: r.c.name,
            urn: r.urn,
            props: checkingProxy(r.props),
            opts: { ...OPTIONS, parent: r.parent },
            dependencies: [],
            propertyDependencies: {},
            isType: unsupported,
            asType: unsupported,
        } as PolicyResource);
    }
    for (const r of resources) {
        const resource = byUrn.get(r.urn)!;
        resource.parent = byUrn.get(r.parent);
        resource.dependencies.push(...r.deps.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined));
    }
    return [...byUrn.values()];
}

export interface Violation {
    readonly policy: string;
    readonly message: string;
    readonly urn?: string;
}

/** Runs each policy on the resources, as the analyzer would at preview; config by policy name, as in --policy-pack-config. */
export async function runPolicies(policies: Policies, resources: PolicyResource[], config: Record<string, object> = {}): Promise<Violation[]> {
    const violations: Violation[] = [];
    const notApplicable = (reason?: string): never => {
        throw new Error(`not applicable: ${reason}`);
    };
    for (const policy of policies) {
        const getConfig = <T extends object>() => (config[policy.name] ?? {}) as T;
        if ("validateResource" in policy && policy.validateResource) {
            const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
            for (const r of resources) {
                const args: ResourceValidationArgs = {
                    type: r.type,
                    props: r.props,
                    urn: r.urn,
                    name: r.name,
                    opts: r.opts,
                    stackTags: new Map(),
                    isType: unsupported,
                    asType: unsupported,
                    getConfig,
                    notApplicable,
                };
                for (const validate of validations) await validate(args, (message) => violations.push({ policy: policy.name, message, urn: r.urn }));
            }
        }
        if ("validateStack" in policy) {
            await policy.validateStack({ resources, stackTags: new Map(), getConfig, notApplicable }, (message, urn) =>
                violations.push({ policy: policy.name, message, urn }),
            );
        }
    }
    return violations;
}
