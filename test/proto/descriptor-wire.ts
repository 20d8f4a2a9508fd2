// Reads a serialized google.protobuf.FileDescriptorProto with a minimal wire
// decoder and describes everything in it that fixes the wire format — full
// names, field numbers, labels, types, oneof membership, enum values, RPC
// shapes — as sorted lines, so two descriptors compare with one deepEqual.
// Comments, options and JSON names are left out: they do not change a byte
// on the wire.

type Value = bigint | Buffer;

/** Field number → values in order: varints as bigint, length-delimited as Buffer. */
function decodeFields(buf: Buffer): Map<number, Value[]> {
  const fields = new Map<number, Value[]>();
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buf[pos++];
      if (byte === undefined) throw new Error('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const [num, wireType] = [Number(key >> 3n), Number(key & 7n)];
    let value: Value;
    if (wireType === 0) value = varint();
    else if (wireType === 2) {
      const len = Number(varint());
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else if (wireType === 1 || wireType === 5) {
      pos += wireType === 1 ? 8 : 4;
      continue;
    } else throw new Error(`unsupported wire type ${wireType}`);
    fields.set(num, [...(fields.get(num) ?? []), value]);
  }
  return fields;
}

const str = (f: Map<number, Value[]>, n: number): string => {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? v.toString('utf8') : '';
};
const num = (f: Map<number, Value[]>, n: number): bigint | undefined => {
  const v = f.get(n)?.[0];
  return typeof v === 'bigint' ? v : undefined;
};
const subs = (f: Map<number, Value[]>, n: number): Map<number, Value[]>[] =>
  (f.get(n) ?? []).filter(Buffer.isBuffer).map(decodeFields);

const labels = ['', 'optional', 'required', 'repeated'];
/** FieldDescriptorProto.Type names, indexed by their numbers (1 to 18). */
const types = [
  '',
  ...'double float int64 uint64 int32 fixed64 fixed32 bool string group message bytes'.split(' '),
  ...'uint32 enum sfixed32 sfixed64 sint32 sint64'.split(' '),
];

function describeEnum(scope: string, e: Map<number, Value[]>, out: string[]): void {
  const values = subs(e, 2).map((v) => `${str(v, 1)}=${num(v, 2) ?? 0n}`);
  out.push(`enum ${scope}.${str(e, 1)} { ${values.join(' ')} }`);
}

/** Full names of the messages and enums a file declares, nested ones too. */
function declaredTypes(
  scope: string,
  messages: Map<number, Value[]>[],
  enums: Map<number, Value[]>[],
) {
  const names = enums.map((e) => `${scope}.${str(e, 1)}`);
  for (const m of messages) {
    const name = `${scope}.${str(m, 1)}`;
    names.push(name, ...declaredTypes(name, subs(m, 3), subs(m, 4)));
  }
  return names;
}

/**
 * A field's type name made absolute. protoc writes them absolute; protobufjs
 * keeps them as written, relative to the enclosing scope, so they are looked
 * up from the innermost scope outwards, as protobuf's scoping rules say.
 */
function resolveType(name: string, scope: string, known: ReadonlySet<string>): string {
  if (name === '' || name.startsWith('.')) return name;
  for (let s = scope; ; s = s.slice(0, s.lastIndexOf('.'))) {
    if (known.has(`${s}.${name}`)) return `${s}.${name}`;
    if (s === '') return `?${name}`;
  }
}

function describeMessage(
  scope: string,
  m: Map<number, Value[]>,
  known: ReadonlySet<string>,
  out: string[],
): void {
  const name = `${scope}.${str(m, 1)}`;
  const oneofs = subs(m, 8).map((o) => str(o, 1));
  out.push(`message ${name}${oneofs.length > 0 ? ` oneofs(${oneofs.join(',')})` : ''}`);
  for (const f of subs(m, 2)) {
    const oneof = num(f, 9);
    const type = types[Number(num(f, 5) ?? 0)] || '?';
    const typeName = resolveType(str(f, 6), name, known);
    out.push(
      `field ${name}.${str(f, 1)} = ${num(f, 3)} ${labels[Number(num(f, 4) ?? 0)] || '?'} ${type}` +
        (typeName === '' ? '' : ` ${typeName}`) +
        (oneof === undefined ? '' : ` in ${oneofs[Number(oneof)]}`),
    );
  }
  for (const nested of subs(m, 3)) describeMessage(name, nested, known, out);
  for (const e of subs(m, 4)) describeEnum(name, e, out);
}

export interface FileSummary {
  name: string;
  package: string;
  lines: string[];
}

/** The wire-relevant content of serialized FileDescriptorProtos that import each other. */
export function describeFiles(serialized: readonly Buffer[]): FileSummary[] {
  const files = serialized.map(decodeFields);
  const scopeOf = (file: Map<number, Value[]>) => (str(file, 2) === '' ? '' : `.${str(file, 2)}`);
  const known = new Set(files.flatMap((f) => declaredTypes(scopeOf(f), subs(f, 4), subs(f, 5))));
  return files.map((file) => {
    const scope = scopeOf(file);
    const lines: string[] = [];
    for (const m of subs(file, 4)) describeMessage(scope, m, known, lines);
    for (const e of subs(file, 5)) describeEnum(scope, e, lines);
    for (const s of subs(file, 6)) {
      for (const rpc of subs(s, 2)) {
        const stream = (n: number) => (num(rpc, n) === 1n ? 'stream ' : '');
        const type = (n: number) => resolveType(str(rpc, n), scope, known);
        lines.push(
          `rpc ${scope}.${str(s, 1)}.${str(rpc, 1)}(${stream(5)}${type(2)}) ` +
            `returns (${stream(6)}${type(3)})`,
        );
      }
    }
    return { name: str(file, 1), package: str(file, 2), lines: lines.sort() };
  });
}

/** The file name and package of a serialized FileDescriptorProto. */
export function fileIdentity(serialized: Buffer): { name: string; package: string } {
  const file = decodeFields(serialized);
  return { name: str(file, 1), package: str(file, 2) };
}
