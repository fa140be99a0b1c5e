/**
 * The providers that the dynamic resources serialize into `__provider` (and so into the state of
 * every resource). They hold no implementation: each method loads the package by name when it
 * runs. That keeps `__provider` small whatever the provider's size, and lets a fixed release
 * reach resources already deployed (Pulumi runs delete and refresh with the code kept in state).
 * Each serialized function costs ~200 bytes of wrapper: one short loader, methods that forward
 * their arguments as they come.
 *
 * One object per provider name: the SDK caches the serialized `__provider` per provider object,
 * so a fresh object for each resource would be serialized again for each (~10 ms a resource).
 */
import type * as pulumi from "@pulumi/pulumi";

const providers = new Map<string, pulumi.dynamic.ResourceProvider>();

/** The provider whose methods call `require("pulumi-aiven-pgaudit/provider")[name]` at run time. */
export function lazyProvider(name: string): pulumi.dynamic.ResourceProvider {
    let provider = providers.get(name);
    if (provider === undefined) {
        provider = forwardingProvider(name);
        providers.set(name, provider);
    }
    return provider;
}

function forwardingProvider(name: string): pulumi.dynamic.ResourceProvider {
    // Resolved from the program's node_modules by the provider host (its cwd is the project).
    const impl = (): pulumi.dynamic.ResourceProvider =>
        // A require the serialized __provider runs in the host, by package name: an import would be captured.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require("pulumi-aiven-pgaudit/provider") as Record<string, pulumi.dynamic.ResourceProvider>)[name];
    return {
        check: (...a) => impl().check!(...a),
        diff: (...a) => impl().diff!(...a),
        create: (...a) => impl().create(...a),
        read: (...a) => impl().read!(...a),
        update: (...a) => impl().update!(...a),
        delete: (...a) => impl().delete!(...a),
    };
}
