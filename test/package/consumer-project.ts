import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, type CliResult } from '../cli/child-process.ts';

/** Packing this repository's two packages and installing them where a user would. */

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Installs read what this machine's npm cache holds first, and say nothing they need not. */
export const NPM_INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** Runs a command to completion (a child of its own environment: no SESSIOND_*, no outer npm_*). */
export function runCommand(
  file: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: childEnv(options.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')} did not finish in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Tarballs {
  server: string;
  client: string;
}

/** `npm pack` of both packages as built (npm test builds first), into `dir`. */
export async function packBoth(dir: string): Promise<Tarballs> {
  for (const built of ['dist/cli/main.js', 'packages/client/dist/index.js']) {
    if (!existsSync(join(REPO, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
  }
  const packed = await runCommand('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir, '--workspaces', '--include-workspace-root'], { cwd: REPO });
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const list = JSON.parse(packed.stdout) as { name: string; filename: string }[];
  const file = (name: string) => {
    const entry = list.find((p) => p.name === name);
    if (!entry) throw new Error(`npm pack made no tarball for ${name}`);
    return join(dir, entry.filename);
  };
  return { server: file('sessiond'), client: file('@sessiond/client') };
}

/**
 * Makes a project in `dir` and installs `tarballs` into it with npm. `allowScripts` is the
 * project's approval of install scripts (npm 11), as a user gives it for better-sqlite3.
 */
export async function installProject(dir: string, tarballs: string[], allowScripts: Record<string, boolean> = {}, timeoutMs = 60_000): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer-app', private: true, type: 'module', allowScripts }, null, 2)}\n`);
  const installed = await runCommand('npm', ['install', ...tarballs, ...NPM_INSTALL_FLAGS], { cwd: dir, timeoutMs });
  if (installed.code !== 0) throw new Error(`npm install ${tarballs.join(' ')} failed (${installed.code}):\n${installed.stderr}`);
}

/** Every package name installed under `dir`/node_modules, nested ones included. */
export function installedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  const walk = (modules: string) => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      const scoped = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((n) => `${entry}/${n}`) : [entry];
      for (const name of scoped) {
        names.add(name);
        walk(join(modules, name, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return names;
}
