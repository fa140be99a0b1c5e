/** A copy of `value` without the properties `keys` (as state of an older version, or input left out, would be). */
export function without<T extends object, K extends keyof T & string>(value: T, ...keys: K[]): Omit<T, K> {
    return Object.fromEntries(Object.entries(value).filter(([key]) => !(keys as string[]).includes(key))) as Omit<T, K>;
}
