// JSON.parse turns 18446744073709551615 into 18446744073709552000. etcdctl
// prints uint64 and int64 fields as bare JSON numbers, so the tests read its
// output with every integer kept exactly, as a bigint.

const token = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const marker = '$capstan-bigint';

export type LosslessJson =
  null | boolean | string | bigint | LosslessJson[] | { [key: string]: LosslessJson };

/** Parses JSON whose numbers are integers, giving each as a bigint. */
export function parseLosslessJson(text: string): LosslessJson {
  const wrapped = text.replace(token, (match) =>
    match.startsWith('"') ? match : `{"${marker}":"${match}"}`,
  );
  return JSON.parse(wrapped, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && marker in value) {
      const digits = (value as Record<string, string>)[marker] ?? '';
      if (!/^-?\d+$/.test(digits)) throw new Error(`not an integer: ${digits}`);
      return BigInt(digits);
    }
    return value;
  }) as LosslessJson;
}

/** The value at a path of object keys and array indexes; throws if absent. */
export function at(json: LosslessJson, ...path: (string | number)[]): LosslessJson {
  let here: LosslessJson = json;
  for (const step of path) {
    const next: LosslessJson | undefined =
      typeof step === 'number'
        ? Array.isArray(here)
          ? here[step]
          : undefined
        : typeof here === 'object' && here !== null && !Array.isArray(here)
          ? (here as Record<string, LosslessJson>)[step]
          : undefined;
    if (next === undefined) throw new Error(`no ${path.join('.')} in the JSON`);
    here = next;
  }
  return here;
}
