/**
 * A mini Pulumi engine for `npm run demo` and `npm run bench`: it takes the registrations a
 * program made (constructed under Pulumi mocks, so each carries the real serialized
 * `__provider`), and plays `pulumi up` and `pulumi destroy` against the SDK's dynamic-provider
 * host process over gRPC: Check (olds {}) then Create, up to ten steps in flight; Delete in
 * reverse order with the outputs kept as state.
 */
import { EngineHarness, type Props, type Registration } from "../test/support/engineHarness";
import { inFlight } from "./support";

/** One resource after `up`: what the engine keeps in state. */
export interface Deployed {
    readonly registration: Registration;
    readonly id: string;
    readonly inputs: Props;
    readonly outputs: Props;
}

/** A step's outcome, for progress lines. */
export interface StepEvent {
    readonly op: "create" | "delete";
    readonly registration: Registration;
    readonly id?: string;
    readonly outputs?: Props;
}

/** Steps in flight at once: the engine runs independent steps in parallel; ten is what this project measures. */
export const PARALLEL = 10;

export class MiniEngine {
    private constructor(readonly host: EngineHarness) {}

    /** Starts the provider host and configures it, as the engine does before the first step. */
    static async start(): Promise<MiniEngine> {
        const host = await EngineHarness.start();
        try {
            await host.configure();
        } catch (e) {
            await host.close();
            throw e;
        }
        return new MiniEngine(host);
    }

    /** `pulumi up` for resources without state: Check, then Create, each resource independently. */
    async up(registrations: readonly Registration[], onStep: (e: StepEvent) => void = () => undefined): Promise<Deployed[]> {
        return inFlight(PARALLEL, registrations, async (registration) => {
            const checked = await this.host.check(registration.urn, {}, registration.inputs);
            if (checked.failures.length > 0) {
                const why = checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
                throw new Error(`${registration.name}: check failed: ${why}`);
            }
            const created = await this.host.create(registration.urn, checked.inputs);
            onStep({ op: "create", registration, id: created.id, outputs: created.properties });
            return { registration, id: created.id, inputs: checked.inputs, outputs: created.properties };
        });
    }

    /** `pulumi destroy`: Delete with the outputs kept in state, in reverse order of creation. */
    async destroy(deployed: readonly Deployed[], onStep: (e: StepEvent) => void = () => undefined): Promise<void> {
        for (const d of [...deployed].reverse()) {
            await this.host.delete(d.registration.urn, d.id, d.outputs, d.inputs);
            onStep({ op: "delete", registration: d.registration, id: d.id });
        }
    }

    /** Stops the host; its stderr is complete afterwards. */
    close(): Promise<void> {
        return this.host.close();
    }
}
