// Runs the real etcdctl (v3 API) as a child process with a clean
// environment: etcdctl reads ETCDCTL_* variables as flags, so nothing of the
// caller's environment but PATH reaches it.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The absolute path of an executable on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The environment a test gives etcd and etcdctl: PATH and nothing else. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...extra };
}

const runTimeoutMs = 20_000;

/**
 * Runs an executable; never rejects for a non-zero exit (the result says it).
 * `stdin`, when given, is written to the child's standard input, then closed.
 */
export function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: string | Uint8Array,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { env, timeout: runTimeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(err);
          return;
        }
        resolve({ exitCode: err === null ? 0 : Number(err.code), stdout, stderr });
      },
    );
    if (stdin !== undefined) {
      // A child that exits without reading everything closes the pipe: not an error here.
      child.stdin?.on('error', () => {});
      child.stdin?.end(stdin);
    }
  });
}

/** `etcdctl --endpoints=<endpoint> …args` with ETCDCTL_API=3. */
export function etcdctl(
  bin: string,
  endpoint: string,
  args: string[],
  stdin?: string | Uint8Array,
): Promise<RunResult> {
  return run(
    bin,
    [`--endpoints=${endpoint}`, '--dial-timeout=5s', '--command-timeout=10s', ...args],
    cleanEnv({ ETCDCTL_API: '3' }),
    stdin,
  );
}

/**
 * The line etcdctl prints for a failed command. etcd's client library also
 * logs retry warnings to stderr (JSON lines); those are not part of it.
 */
export function errorLine(stderr: string): string | undefined {
  return stderr.split('\n').find((line) => line.startsWith('Error: '));
}
