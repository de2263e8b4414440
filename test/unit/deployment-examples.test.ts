/**
 * The scale-out deployment examples cannot be applied here (no cluster, no compose engine), so
 * what must agree between them is checked instead: the Kubernetes manifests and the compose
 * file parse, their ports meet the image's listener and each other, probes ask /healthz and
 * /readyz, every MCP__ variable they set is a setting with a valid value (loaded with the
 * image's own config file, as the container does), the Redis URL names the Redis they run,
 * and the grace periods outlast the shutdown deadline. The HAProxy example is run for real by
 * test/integration/load-balancer.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/config.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const EXAMPLES = 'examples/scale-out';
/** A stand-in for a secret's value: any valid Redis URL. */
const SECRET_URL = 'redis://:secret@redis.internal:6379';

/** The port the image listens on (`MCP__HTTP__PORT` in the Dockerfile's ENV). */
function imagePort(): number {
  const found = /MCP__HTTP__PORT=(\d+)/.exec(read('Dockerfile'));
  assert.ok(found, 'the Dockerfile sets MCP__HTTP__PORT');
  return Number(found[1]);
}

/** The container's effective settings: the image's config file, then `env`. */
function containerConfig(env: Record<string, string>) {
  return loadConfig([join(ROOT, 'container/config.yaml')], { MCP__HTTP__HOST: '0.0.0.0', MCP__HTTP__PORT: String(imagePort()), ...env });
}

type Manifest = { kind: string; apiVersion: string; metadata: { name: string; labels?: Record<string, string> }; spec: any };

function manifests(): Manifest[] {
  const documents = parseAllDocuments(read(`${EXAMPLES}/kubernetes.yaml`));
  for (const document of documents) assert.deepEqual(document.errors, [], 'kubernetes.yaml parses');
  return documents.map((document) => document.toJS() as Manifest);
}

function find(all: Manifest[], kind: string, name: string): Manifest {
  const found = all.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  assert.ok(found, `kubernetes.yaml has a ${kind} named ${name}`);
  return found;
}

/** The container port a Service or probe names (by name or number). */
function containerPort(container: { ports: Array<{ name?: string; containerPort: number }> }, port: string | number): number {
  const found = container.ports.find((p) => p.name === port || p.containerPort === port);
  assert.ok(found, `the container has a port ${port}`);
  return found.containerPort;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** `${NAME:-default}` as compose expands it without NAME set. */
const composeDefaults = (text: string) => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

describe('deployment examples: Kubernetes', () => {
  const all = manifests();
  const deployment = find(all, 'Deployment', 'mcp-core');
  const pod = deployment.spec.template;
  const container = pod.spec.containers.find((c: { name: string }) => c.name === 'mcp-core');

  it('runs the image on its port, the Service and the probes reaching it there', () => {
    assert.ok(selects(deployment.spec.selector.matchLabels, pod.metadata.labels), 'the Deployment selects its pods');
    assert.equal(containerPort(container, 'http'), imagePort());
    const service = find(all, 'Service', 'mcp-core');
    assert.ok(selects(service.spec.selector, pod.metadata.labels), 'the Service selects the pods');
    assert.equal(containerPort(container, service.spec.ports[0].targetPort), imagePort());
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(containerPort(container, container.readinessProbe.httpGet.port), imagePort());
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(containerPort(container, container.livenessProbe.httpGet.port), imagePort());
  });

  it('names the Redis it runs in MCP__STORE__REDIS__URL, from the Secret that also holds its password', () => {
    const url = container.env.find((e: { name: string }) => e.name === 'MCP__STORE__REDIS__URL');
    assert.deepEqual(url?.valueFrom, { secretKeyRef: { name: 'mcp-core-redis', key: 'url' } });
    const redis = find(all, 'Deployment', 'mcp-core-redis');
    const redisContainer = redis.spec.template.spec.containers[0];
    assert.deepEqual(redisContainer.env.find((e: { name: string }) => e.name === 'REDIS_PASSWORD')?.valueFrom, { secretKeyRef: { name: 'mcp-core-redis', key: 'password' } });
    const service = find(all, 'Service', 'mcp-core-redis');
    assert.ok(selects(service.spec.selector, redis.spec.template.metadata.labels));
    const port = service.spec.ports[0].port;
    assert.equal(containerPort(redisContainer, service.spec.ports[0].targetPort), port);
    // The URL the Secret is made with, in the manifest's comment and in docs/SCALING.md.
    const documented = `redis://:PASSWORD@${service.metadata.name}:${port}`;
    assert.ok(read(`${EXAMPLES}/kubernetes.yaml`).includes(documented), documented);
    assert.ok(read('docs/SCALING.md').includes(documented), documented);
  });

  it('sets only settings that exist, with valid values, and a grace period above the shutdown deadline', async () => {
    const env: Record<string, string> = {};
    for (const { name, value, valueFrom } of container.env as Array<{ name: string; value?: string; valueFrom?: unknown }>) {
      if (name.startsWith('MCP__')) env[name] = value ?? (valueFrom === undefined ? '' : SECRET_URL);
    }
    assert.deepEqual(container.args.slice(0, 2), ['serve', '--config']);
    assert.ok(read('Dockerfile').includes(` ${container.args[2]}\n`), `the image holds ${container.args[2]}`);
    const config = await containerConfig(env);
    assert.equal(config.store.redis.url, SECRET_URL);
    assert.ok(pod.spec.terminationGracePeriodSeconds * 1000 > config.server.shutdownDelayMs + config.server.shutdownDeadlineMs);
  });

  it('scales the Deployment with the HorizontalPodAutoscaler', () => {
    const hpa = find(all, 'HorizontalPodAutoscaler', 'mcp-core');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: deployment.apiVersion, kind: 'Deployment', name: 'mcp-core' });
    assert.ok(hpa.spec.minReplicas <= deployment.spec.replicas && deployment.spec.replicas <= hpa.spec.maxReplicas);
  });
});

describe('deployment examples: compose and the load balancers', () => {
  const text = read(`${EXAMPLES}/compose.yaml`);
  const compose = parseAllDocuments(composeDefaults(text))[0].toJS() as { services: Record<string, any> };
  const { redis, nginx } = compose.services;
  const mcpCore = compose.services['mcp-core'];

  it('names the Redis service, with its password, in MCP__STORE__REDIS__URL; only settings that exist; a grace period above the deadline', async () => {
    const requirepass = redis.command[redis.command.indexOf('--requirepass') + 1];
    assert.equal(mcpCore.environment.MCP__STORE__REDIS__URL, `redis://:${requirepass}@redis:6379`);
    const config = await containerConfig(mcpCore.environment);
    assert.ok(Number.parseInt(mcpCore.stop_grace_period, 10) * 1000 > config.server.shutdownDelayMs + config.server.shutdownDeadlineMs);
  });

  it('has nginx listen where compose publishes it and reach the replicas on the image\'s port', () => {
    assert.deepEqual(nginx.volumes, ['./nginx.conf:/etc/nginx/nginx.conf:ro']);
    const conf = read(`${EXAMPLES}/nginx.conf`);
    const listen = /^\s*listen (\d+);/m.exec(conf)?.[1];
    assert.ok(nginx.ports.some((published: string) => published.endsWith(`:${listen}`)), `nginx listens on ${listen}, which compose publishes`);
    assert.match(conf, new RegExp(`server mcp-core:${imagePort()} resolve;`));
  });

  it("has both load balancers forward the client's address, and the replicas trust the proxy's network for it", () => {
    assert.match(read(`${EXAMPLES}/nginx.conf`), /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
    assert.match(read(`${EXAMPLES}/haproxy.cfg`), /^\s*option forwardfor\b/m);
    // Docker's default address pools (172.17.0.0/16 and up, then 192.168.0.0/16 blocks).
    const trusted = String(mcpCore.environment.MCP__HTTP__TRUSTPROXY).split(',');
    const proxies = new BlockList();
    for (const block of trusted) proxies.addSubnet(block.split('/')[0], Number(block.split('/')[1]));
    for (const address of ['172.17.0.2', '172.18.0.5', '172.31.255.1', '192.168.16.3']) assert.ok(proxies.check(address), address);
  });

  it('has HAProxy check /readyz and reach the replicas on the image\'s port', () => {
    const cfg = read(`${EXAMPLES}/haproxy.cfg`);
    assert.match(cfg, /option httpchk GET \/readyz/);
    assert.match(cfg, new RegExp(`server-template mcp \\d+ mcp-core:${imagePort()} check`));
  });
});
