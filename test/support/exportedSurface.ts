/** The names each public entry point exports, with the first line of each one's doc comment. */
import path from "node:path";
import ts from "typescript";
import { REPO_ROOT } from "../../sandbox/userProject";

/** The package's entry points (package.json `exports`), as source files. */
const ENTRY_POINTS: Record<string, string> = {
    "pulumi-aiven-pgaudit": "index.ts",
    "pulumi-aiven-pgaudit/provider": "provider/index.ts",
    "pulumi-aiven-pgaudit/policy": "policy/index.ts",
};

export interface ExportedName {
    readonly name: string;
    /** The first line of its doc comment, "" when it has none. */
    readonly summary: string;
}

export function exportedSurface(): Record<string, ExportedName[]> {
    const files = Object.values(ENTRY_POINTS).map((f) => path.join(REPO_ROOT, f));
    const program = ts.createProgram(files, {
        strict: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        esModuleInterop: true,
        skipLibCheck: true,
    });
    const checker = program.getTypeChecker();
    const out: Record<string, ExportedName[]> = {};
    for (const [entry, file] of Object.entries(ENTRY_POINTS)) {
        const source = program.getSourceFile(path.join(REPO_ROOT, file));
        if (!source) throw new Error(`cannot read ${file}`);
        const moduleSymbol = checker.getSymbolAtLocation(source)!;
        out[entry] = checker
            .getExportsOfModule(moduleSymbol)
            .map((symbol) => {
                const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
                const text = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
                return { name: symbol.getName(), summary: text.split("\n")[0].trim() };
            })
            .sort((a, b) => a.name.localeCompare(b.name));
    }
    return out;
}
