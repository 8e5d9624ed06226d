/**
 * dnsmasq as the PXE server's child: started in the foreground on a rendered configuration, its log
 * file followed line by line (what the server turns into boot progress), restarted with backoff
 * when it dies, restarted on demand when its configuration changes, and stopped on exit. A start
 * that fails is reported with what dnsmasq printed, on stderr and in its log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { HostwireError } from '../domain/errors.ts';

export interface DnsmasqOptions {
  confFile: string;
  /** The `log-facility` file the configuration names (a setting in the file wins over the command line). */
  logFile: string;
  /** Every log line dnsmasq writes, as it comes. */
  onLine(line: string): void;
  /** The supervisor's own notes: crashes, restarts. */
  say(message: string): void;
  binary?: string;
}

/** A DHCP grant or a TFTP transfer, as dnsmasq logs them. */
export type DnsmasqEvent =
  | { kind: 'dhcp'; message: 'DHCPOFFER' | 'DHCPACK'; address: string; mac: string }
  | { kind: 'tftp-sent'; file: string; client: string };

const DHCP_LINE = /\b(DHCPOFFER|DHCPACK)\([^)]*\) (\S+) ((?:[0-9a-f]{2}:){5}[0-9a-f]{2})\b/i;
const TFTP_SENT_LINE = /dnsmasq-tftp\[\d+\]: sent (\/.+) to (\S+)$/;

export function parseDnsmasqLine(line: string): DnsmasqEvent | null {
  const dhcp = DHCP_LINE.exec(line);
  if (dhcp) return { kind: 'dhcp', message: dhcp[1]!.toUpperCase() as 'DHCPOFFER' | 'DHCPACK', address: dhcp[2]!, mac: dhcp[3]!.toLowerCase() };
  const tftp = TFTP_SENT_LINE.exec(line);
  if (tftp) return { kind: 'tftp-sent', file: tftp[1]!, client: tftp[2]! };
  return null;
}

/** Reads what is appended to a log file, line by line; starts at its end, so old runs are not replayed. */
class LogFollower {
  private offset = 0;
  private partial = '';
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> = Promise.resolve();

  constructor(private readonly path: string, private readonly onLine: (line: string) => void) {}

  async start(intervalMs: number): Promise<void> {
    this.offset = await stat(this.path).then((info) => info.size, () => 0);
    this.partial = '';
    this.timer = setInterval(() => void this.read(), intervalMs);
  }

  /** Reads whatever is new now (one read at a time); also called once more when dnsmasq exits. */
  read(): Promise<void> {
    this.reading = this.reading.then(async () => {
      const handle = await open(this.path, 'r').catch(() => null);
      if (handle === null) return;
      try {
        const { size } = await handle.stat();
        // A smaller file was truncated or replaced: read it from its start.
        if (size < this.offset) this.offset = 0;
        if (size === this.offset) return;
        const buffer = Buffer.alloc(size - this.offset);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
        this.offset += bytesRead;
        const lines = (this.partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
        this.partial = lines.pop()!;
        for (const line of lines) this.onLine(line);
      } finally {
        await handle.close();
      }
    });
    return this.reading;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.read();
  }
}

// dnsmasq logs this once its sockets are bound; before it, an exit is a failed start.
const STARTED_LINE = /dnsmasq\[\d+\]: started, version/;
const LOG_POLL_MS = 100;
const FIRST_RESTART_DELAY_MS = 500;
const LONGEST_RESTART_DELAY_MS = 30_000;
// A child that stayed up this long was healthy: the next crash starts the backoff over.
const HEALTHY_AFTER_MS = 10_000;

export class Dnsmasq {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restartDelay = FIRST_RESTART_DELAY_MS;
  private restartTimer: NodeJS.Timeout | null = null;
  private waitingForStart: ((line: string) => void) | null = null;
  private readonly log: LogFollower;

  constructor(private readonly options: DnsmasqOptions) {
    this.log = new LogFollower(options.logFile, (line) => {
      this.waitingForStart?.(line);
      options.onLine(line);
    });
  }

  /** Handles every log line written so far, so steps seen in the log are recorded before a later one seen elsewhere. */
  drainLog(): Promise<void> {
    return this.log.read();
  }

  /** Resolves once dnsmasq has bound its sockets; rejects with what it printed when it exits first. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.log.start(LOG_POLL_MS);
    const child = spawn(this.options.binary ?? 'dnsmasq', [
      '--keep-in-foreground',
      `--conf-file=${this.options.confFile}`,
      // No pid file: the server holds the process itself.
      '--pid-file=',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    const startedAt = Date.now();
    // Errors in the configuration come on stderr; those met while binding and opening come in the log.
    const printed: string[] = [];
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      let started = false;
      this.waitingForStart = (line) => {
        printed.push(line);
        if (STARTED_LINE.test(line)) {
          started = true;
          this.waitingForStart = null;
          resolve();
        }
      };
      child.once('error', (error) => {
        this.waitingForStart = null;
        void this.log.stop();
        reject(new HostwireError('validation', `dnsmasq could not be run: ${error.message} (install Debian's dnsmasq-base)`));
      });
      child.once('exit', (code, signal) => {
        this.child = null;
        void this.log.stop().then(() => {
          if (!started) {
            this.waitingForStart = null;
            const output = [stderr.trim(), ...printed].filter(Boolean).join('\n');
            reject(new HostwireError('validation', `dnsmasq failed to start (${signal ?? `exit ${code}`}):\n${output}`));
            return;
          }
          if (this.stopping) return;
          if (Date.now() - startedAt >= HEALTHY_AFTER_MS) this.restartDelay = FIRST_RESTART_DELAY_MS;
          this.options.say(`dnsmasq exited (${signal ?? `exit ${code}`}); restarting in ${this.restartDelay} ms`);
          this.scheduleRestart();
        });
      });
    });
  }

  private scheduleRestart(): void {
    const delay = this.restartDelay;
    this.restartDelay = Math.min(this.restartDelay * 2, LONGEST_RESTART_DELAY_MS);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.start().then(
        () => this.options.say(`dnsmasq restarted (pid ${this.pid})`),
        (error: Error) => {
          this.options.say(`${error.message}\nretrying in ${this.restartDelay} ms`);
          this.scheduleRestart();
        },
      );
    }, delay);
  }

  /** A new configuration: dnsmasq reads dhcp-host, dhcp-boot and dhcp-match only at start, so SIGHUP is not enough. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    if (child !== null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    await this.log.stop();
  }
}
