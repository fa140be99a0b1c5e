// ESLint, type-aware: typescript-eslint's recommended rules that need the type checker, and
// @pulumi/eslint-plugin's, which catch an Output interpolated into a template literal.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["dist/**", "**/node_modules/**", "**/*.js", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            // Destructuring to leave properties out (`const { password: _, ...rest } = c`) is the idiom.
            "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true, argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
            // Pulumi's dynamic providers, mocks and policies implement async interfaces: async by contract, whatever the body awaits.
            "@typescript-eslint/require-await": "off",
            // node:test runs test() and describe() calls itself; their promises are its to await.
            "@typescript-eslint/no-floating-promises": [
                "error",
                { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "describe", "it", "suite", "before", "after", "beforeEach", "afterEach"] }] },
            ],
        },
    },
);
