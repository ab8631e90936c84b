import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import { connect } from 'net';
import * as os from 'os';
import * as path from 'path';
import { porterArgs, porterEnv } from '../../../tools/porter-process';
import { freePort } from '../../support/processes';

/**
 * Test "hosts" made of Linux network namespaces (ADR 051): a bridge in the root namespace is the
 * hub (`<subnet>.1`), each host is a namespace with a veth pair into it and an address of its
 * own. The shared services listen on 127.0.0.1 only, so the hub runs `socat` forwarders for them
 * on its address; they apply to the hosts' connections what Porter asks Postgres to apply to its
 * sessions (keepalives idle 3 s, probes 2 s apart; TCP_USER_TIMEOUT 10 s), so a host whose link
 * is cut loses its connections, idle or with a reply in flight, and its worker its liveness lock,
 * about 10 s later, as against a real Postgres on the network.
 */

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** Null when namespaces can be made here, else why not (one line). */
export function netnsUnavailableReason(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'making network namespaces needs root';
  for (const [cmd, args] of [
    ['ip', ['-V']],
    ['socat', ['-V']],
    ['moto_server', ['--help']],
  ] as Array<[string, string[]]>) {
    try {
      execFileSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      return `\`${cmd}\` is not available`;
    }
  }
  return null;
}

export interface Host {
  readonly name: string;
  readonly netns: string;
  readonly address: string;
  /** The root-namespace end of its veth pair: set it down to cut the host off. */
  readonly link: string;
  readonly dir: string;
}

export interface Network {
  readonly hub: string;
  readonly hosts: Host[];
  /** Starts a forwarder on the hub's address to a service on 127.0.0.1; resolves to its port. */
  forward(targetPort: number): Promise<number>;
  cut(host: Host): void;
  /** Kills every process left in the namespaces, removes them, the bridge and the forwarders. */
  destroy(): Promise<void>;
}

/** Namespaces of test runs whose jest process is gone (a run killed before its afterAll). */
function removeStaleNamespaces(): void {
  const listed = run('ip', ['netns', 'list']);
  for (const match of listed.matchAll(/^pmh(\d+)-\S+/gm)) {
    const pid = Number(match[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive) continue;
    killNamespace(match[0]);
    for (const link of [`pmb${pid}`, `pmv${pid}0h`, `pmv${pid}1h`, `pmv${pid}2h`]) {
      try {
        run('ip', ['link', 'del', link.slice(-15)]);
      } catch {
        // already gone
      }
    }
  }
}

function killNamespace(netns: string): void {
  try {
    for (const pid of run('ip', ['netns', 'pids', netns]).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    // no such namespace
  }
  try {
    run('ip', ['netns', 'del', netns]);
  } catch {
    // already gone
  }
}

function freeSubnet(): string {
  const used = run('ip', ['-4', 'addr']);
  for (let third = 0; third < 256; third++) {
    const subnet = `10.201.${(third + (process.pid % 256)) % 256}`;
    if (!used.includes(`inet ${subnet}.`)) return subnet;
  }
  throw new Error('no free 10.201.x.0/24 subnet for the test hosts');
}

export async function createNetwork(names: string[]): Promise<Network> {
  removeStaleNamespaces();
  const tag = String(process.pid);
  const bridge = `pmb${tag}`.slice(0, 15);
  const subnet = freeSubnet();
  const hub = `${subnet}.1`;
  const hosts: Host[] = [];
  const forwarders: ChildProcess[] = [];
  const network: Network = {
    hub,
    hosts,
    async forward(targetPort) {
      const port = await freePort();
      const child = spawn(
        'socat',
        [
          // The settings Porter asks Postgres to apply to its sessions (DEAD_CLIENT_SESSION_OPTIONS):
          // keepalives idle 3 s, probes 2 s apart; TCP_USER_TIMEOUT (level 6, option 18) 10 s.
          `TCP-LISTEN:${port},bind=${hub},fork,reuseaddr,keepalive,keepidle=3,keepintvl=2,keepcnt=3,setsockopt-int=6:18:10000`,
          `TCP:127.0.0.1:${targetPort},keepalive`,
        ],
        { stdio: 'ignore' },
      );
      forwarders.push(child);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
          const s = connect(port, hub);
          s.once('connect', () => (s.destroy(), resolve(true)));
          s.once('error', () => resolve(false));
        });
        if (ok) return port;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`socat forwarder to :${targetPort} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    cut(host) {
      run('ip', ['link', 'set', host.link, 'down']);
    },
    async destroy() {
      for (const host of hosts) killNamespace(host.netns);
      // The kernel frees a namespace (and with it the inner veth end) lazily; delete the pairs now.
      for (const host of hosts) {
        try {
          run('ip', ['link', 'del', host.link]);
        } catch {
          // gone with its namespace
        }
      }
      try {
        run('ip', ['link', 'del', bridge]);
      } catch {
        // not created
      }
      // socat forks a child per connection: kill those first so that socat itself reaps them
      // (killed together, they would be left as zombies), then socat, which this process reaps.
      for (const child of forwarders) {
        if (!child.pid || child.exitCode !== null) continue;
        const forked = spawnSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)]).stdout?.toString() ?? '';
        for (const pid of forked.split(/\s+/).filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // gone
          }
        }
      }
      await new Promise((r) => setTimeout(r, 200));
      for (const child of forwarders) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      for (const host of hosts) await fs.rm(host.dir, { recursive: true, force: true });
    },
  };
  try {
    run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    run('ip', ['addr', 'add', `${hub}/24`, 'dev', bridge]);
    run('ip', ['link', 'set', bridge, 'up']);
    names.forEach((name, i) => {
      const netns = `pmh${tag}-${name}`;
      const link = `pmv${tag}${i}h`.slice(-15);
      const inner = `pmv${tag}${i}n`.slice(-15);
      const address = `${subnet}.${i + 2}`;
      run('ip', ['netns', 'add', netns]);
      hosts.push({ name, netns, address, link, dir: '' });
      run('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', inner]);
      run('ip', ['link', 'set', inner, 'netns', netns]);
      run('ip', ['link', 'set', link, 'master', bridge, 'up']);
      run('ip', ['-n', netns, 'addr', 'add', `${address}/24`, 'dev', inner]);
      run('ip', ['-n', netns, 'link', 'set', inner, 'up']);
      run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    });
    for (const host of hosts) (host as { dir: string }).dir = await fs.mkdtemp(path.join(os.tmpdir(), `porter-host-${host.name}-`));
  } catch (error) {
    await network.destroy();
    throw error;
  }
  return network;
}

export interface HostProcess {
  readonly host: Host;
  readonly child: ChildProcess;
  output(): string;
  exited(): boolean;
}

/** A built Porter process run inside the host's namespace, in its own empty working directory. */
export function spawnOnHost(host: Host, kind: 'api' | 'worker', env: Record<string, string>): HostProcess {
  const child = spawn('ip', ['netns', 'exec', host.netns, process.execPath, ...porterArgs(kind)], {
    cwd: host.dir,
    env: porterEnv(kind, { ...process.env, ...env, STORAGE_DIR: path.join(host.dir, 'storage') }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { host, child, output: () => output, exited: () => child.exitCode !== null || child.signalCode !== null };
}

/** `url` (postgres://…, redis://…) with its host and port replaced. */
export function via(url: string, host: string, port: number): string {
  const u = new URL(url);
  u.hostname = host;
  u.port = String(port);
  return u.toString();
}
