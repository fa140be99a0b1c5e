/** A plain text table: left-aligned columns, cells made terminal-safe first. */
import { displayWidth, safeText } from "./displayText";

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], indent = "  "): string[] {
    const cells = rows.map((row) => row.map(safeText));
    const widths = headers.map((h, i) => Math.max(displayWidth(h), ...cells.map((row) => displayWidth(row[i] ?? ""))));
    const line = (row: readonly string[]) =>
        indent +
        row
            .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i] - displayWidth(cell))))
            .join("   ")
            .trimEnd();
    return [line(headers), ...cells.map(line)];
}
