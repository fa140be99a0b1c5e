/**
 * The provider that PgAuditSetting serializes into `__provider` (and so into the state of every
 * resource). It holds no implementation: each method loads the package by name when it runs.
 * That keeps `__provider` tiny whatever the provider's size, and lets a fixed release reach
 * resources already deployed (Pulumi runs delete and refresh with the code kept in state).
 */
import type * as pulumi from "@pulumi/pulumi";

function implementation(): pulumi.dynamic.ResourceProvider {
    // Resolved from the program's node_modules by the provider host (its cwd is the project).
    return require("pulumi-aiven-pgaudit/provider").pgAuditSettingProvider;
}

export const lazyPgAuditSettingProvider: pulumi.dynamic.ResourceProvider = {
    check: (olds, news) => implementation().check!(olds, news),
    diff: (id, olds, news) => implementation().diff!(id, olds, news),
    create: (inputs) => implementation().create(inputs),
    read: (id, props) => implementation().read!(id, props),
    update: (id, olds, news) => implementation().update!(id, olds, news),
    delete: (id, props) => implementation().delete!(id, props),
};
