/**
 * Pulumi's unit-test mocks with the inputs typed as the records they are: @pulumi/pulumi hands
 * them to the mocks as `any`.
 */
import * as pulumi from "@pulumi/pulumi";

type WithInputs<A> = Omit<A, "inputs"> & { readonly inputs: Record<string, unknown> };

export interface Mocks {
    newResource(args: WithInputs<pulumi.runtime.MockResourceArgs>): { id: string | undefined; state: Record<string, unknown> };
    call(args: WithInputs<pulumi.runtime.MockCallArgs>): Record<string, unknown>;
}

/**
 * Installs `mocks` for the whole process (not a preview). pulumi.runtime.setMocks does all its
 * work before it returns; its promise has nothing left to wait for.
 */
export function setMocks(mocks: Mocks, project: string, stack: string): void {
    void pulumi.runtime.setMocks(mocks, project, stack, false);
}

/** What a program registered, as the mocks saw it. */
export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

/**
 * The mocks a PgAuditLogging program needs, installed: every registration recorded (returned), an
 * aiven.Pg answering with the service outputs the Aiven plugin gives (host, port, avnadmin and its
 * password), getProject with a CA.
 */
export function componentMocks(): Registration[] {
    const registrations: Registration[] = [];
    setMocks(
        {
            newResource(args) {
                registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
                const state: Record<string, unknown> = { ...args.inputs };
                if (args.type === "aiven:index/pg:Pg") {
                    Object.assign(state, {
                        serviceName: args.inputs.serviceName,
                        serviceHost: "h.aivencloud.com",
                        servicePort: 1,
                        serviceUsername: "avnadmin",
                        servicePassword: "pw",
                    });
                }
                return { id: `${args.name}-id`, state };
            },
            call: (args) => ({ project: args.inputs.project, caCert: "CA" }),
        },
        "pgaudit-test",
        "test",
    );
    return registrations;
}

/** An Output's value, once known. */
export const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => resolve(v)));
