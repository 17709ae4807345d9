import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { Env } from '../../src/config/env.schema.js';

// The overlays are built here with the subset of Kustomize they use (resources, namespace,
// images, JSON 6902 patches with a target): kustomize is not installed, and any other field in
// a kustomization.yaml fails the build below instead of being ignored.
const K8S = join(process.cwd(), 'deploy', 'k8s');
const OVERLAYS = ['dev', 'prod'] as const;

type Json = Record<string, unknown>;
interface K8sObject extends Json {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}
interface PatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
};
const CLUSTER_SCOPED = new Set(['Namespace']);
const KUSTOMIZATION_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'images',
  'patches',
]);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return name.endsWith('.yaml') ? [path] : [];
  });
}

function loadObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((obj): obj is K8sObject => obj !== null);
}

function validate(obj: K8sObject): void {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  new Model(obj as never).validate();
}

function applyPatch(target: Json, op: PatchOp): void {
  const keys = op.path
    .split('/')
    .slice(1)
    .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = keys.pop();
  if (last === undefined) throw new Error(`patch path ${op.path} names the whole object`);
  let parent: unknown = target;
  for (const key of keys) {
    parent = (parent as Record<string, unknown>)[key];
    if (parent === undefined) throw new Error(`patch path ${op.path}: ${key} does not exist`);
  }
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (op.op !== 'add' && !(index in parent)) throw new Error(`patch path ${op.path} is absent`);
    if (op.op === 'add') parent.splice(index, 0, op.value);
    else if (op.op === 'replace') parent[index] = op.value;
    else parent.splice(index, 1);
    return;
  }
  const record = parent as Record<string, unknown>;
  if (op.op !== 'add' && !(last in record)) throw new Error(`patch path ${op.path} is absent`);
  if (op.op === 'remove') delete record[last];
  else record[last] = op.value;
}

function podSpecOf(obj: K8sObject): Json | undefined {
  const spec = obj.spec as { template?: { spec?: Json } } | undefined;
  return spec?.template?.spec;
}

function containersOf(obj: K8sObject): Json[] {
  return (podSpecOf(obj)?.containers as Json[] | undefined) ?? [];
}

function build(dir: string): K8sObject[] {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Json;
  for (const field of Object.keys(kustomization)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) {
      throw new Error(`${relative(K8S, dir)}: kustomization field ${field} is not supported`);
    }
  }
  const objects = (kustomization.resources as string[]).flatMap((resource) => {
    const path = join(dir, resource);
    return statSync(path).isDirectory() ? build(path) : loadObjects(path);
  });
  type Patch = { path: string; target: { kind: string; name?: string } };
  for (const patch of (kustomization.patches as Patch[] | undefined) ?? []) {
    const ops = parse(readFileSync(join(dir, patch.path), 'utf8')) as PatchOp[];
    if (!Array.isArray(ops)) throw new Error(`${patch.path} is not a JSON 6902 patch`);
    const targets = objects.filter(
      (obj) =>
        obj.kind === patch.target.kind &&
        (patch.target.name === undefined || obj.metadata.name === patch.target.name),
    );
    if (targets.length === 0) throw new Error(`${patch.path}: no ${patch.target.kind} to patch`);
    for (const target of targets) for (const op of ops) applyPatch(target, op);
  }
  const namespace = kustomization.namespace as string | undefined;
  if (namespace) {
    for (const obj of objects) {
      if (!CLUSTER_SCOPED.has(obj.kind)) obj.metadata.namespace = namespace;
    }
  }
  type Image = { name: string; newName?: string; newTag?: string };
  for (const image of (kustomization.images as Image[] | undefined) ?? []) {
    for (const container of objects.flatMap(containersOf)) {
      if (String(container.image).split(':')[0] !== image.name) continue;
      container.image = `${image.newName ?? image.name}:${image.newTag ?? 'latest'}`;
    }
  }
  return objects;
}

const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.find((obj) => obj.kind === kind && obj.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};

const defaults = new Env();
const SHUTDOWN_SECONDS = (defaults.SHUTDOWN_DRAIN_MS + defaults.SHUTDOWN_TIMEOUT_MS) / 1000;

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('every object of every manifest file validates against the Kubernetes schemas', () => {
    const files = yamlFiles(K8S).filter((file) => !file.endsWith('kustomization.yaml'));
    const patches = files.filter((file) => file.includes('/patches/'));
    const manifests = files.filter((file) => !patches.includes(file));
    expect(manifests.length).toBeGreaterThanOrEqual(12);
    for (const file of manifests) {
      const objects = loadObjects(file);
      expect(objects.length, relative(K8S, file)).toBeGreaterThan(0);
      for (const obj of objects) expect(() => validate(obj), relative(K8S, file)).not.toThrow();
    }
  });

  it('the schema check is real: a wrong type or a missing required field is refused', () => {
    const [api] = loadObjects(join(K8S, 'base', 'api-deployment.yaml'));
    const badReplicas = structuredClone(api);
    (badReplicas.spec as Json).replicas = 'two';
    expect(() => validate(badReplicas)).toThrow(/replicas must be integer/);
    const noPort = structuredClone(api);
    delete (containersOf(noPort)[0].livenessProbe as { httpGet: Json }).httpGet.port;
    expect(() => validate(noPort)).toThrow(
      /livenessProbe\/httpGet must have required property port/,
    );
  });

  it('the Secret example holds placeholders only and is not applied by the base', () => {
    const [secret] = loadObjects(join(K8S, 'base', 'secret.example.yaml'));
    const data = secret.stringData as Record<string, string>;
    for (const key of ['DATABASE_URL', 'JWT_SECRET', 'SIGNING_SECRET', 'METRICS_TOKEN']) {
      expect(data[key], key).toContain('REPLACE_ME');
    }
    const base = parse(readFileSync(join(K8S, 'base', 'kustomization.yaml'), 'utf8')) as Json;
    expect(base.resources).not.toContain('secret.example.yaml');
    for (const overlay of OVERLAYS) {
      expect(build(join(K8S, 'overlays', overlay)).some((obj) => obj.kind === 'Secret')).toBe(
        false,
      );
    }
  });

  it('the image, `npm run start:prod` and the benchmark run the app with the same V8 flags', () => {
    const flags = /APP_NODE_FLAGS = \[([^\]]*)\]/.exec(readFileSync('bench/lib.mjs', 'utf8'))?.[1];
    const list = (flags ?? '').split(',').map((flag) => flag.trim().replace(/^'|'$/g, ''));
    expect(list).toEqual(['--max-semi-space-size=32']);
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(
      new RegExp(`^ENV NODE_OPTIONS=${list.join(' ')}$`, 'm'),
    );
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts['start:prod']).toBe(`node ${list.join(' ')} dist/src/main.js`);
  });

  it('the migration Job runs the CLI where the Dockerfile puts it', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist\/src \.\/dist\/src$/m);
    expect(existsSync('src/cli/main.ts')).toBe(true);
    const [job] = loadObjects(join(K8S, 'base', 'migrate-job.yaml'));
    expect(containersOf(job)[0].command).toEqual(['node', 'dist/src/cli/main.js', 'migrate']);
    expect((podSpecOf(job) as Json).restartPolicy).toBe('Never');
  });

  describe.each(OVERLAYS)('overlay %s, built', (overlay) => {
    const objects = build(join(K8S, 'overlays', overlay));
    const deployments = objects.filter((obj) => obj.kind === 'Deployment');
    const config = find(objects, 'ConfigMap', 'nest-starter-config').data as Record<string, string>;

    it('validates object by object, all in one namespace, with the released image', () => {
      for (const obj of objects) expect(() => validate(obj), obj.metadata.name).not.toThrow();
      const namespace = objects.find((obj) => obj.kind === 'Namespace')?.metadata.name;
      expect(namespace).toBeDefined();
      for (const obj of objects.filter((o) => o.kind !== 'Namespace')) {
        expect(obj.metadata.namespace, obj.metadata.name).toBe(namespace);
      }
      for (const workload of [...deployments, find(objects, 'Job', 'nest-starter-migrate')]) {
        expect(containersOf(workload)[0].image).toMatch(/^[\w./-]+:[\w.-]+$/);
      }
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
        'nest-starter-api',
        'nest-starter-worker',
      ]);
    });

    it('deployments: probes, grace period, resources, locked-down security context', () => {
      const shutdownMs = Number(config.SHUTDOWN_DRAIN_MS) + Number(config.SHUTDOWN_TIMEOUT_MS);
      for (const deployment of deployments) {
        const name = deployment.metadata.name;
        const pod = podSpecOf(deployment) as Json;
        const [container] = containersOf(deployment);
        const role = (container.env as Array<{ name: string; value: string }>).find(
          (e) => e.name === 'PROCESS_ROLE',
        )?.value;
        expect(`nest-starter-${role}`).toBe(name);
        const probe = (key: string) =>
          (container[key] as { httpGet: { path: string; port: string } }).httpGet;
        expect(probe('livenessProbe'), name).toEqual({ path: '/health', port: 'http' });
        expect(probe('readinessProbe'), name).toEqual({ path: '/ready', port: 'http' });
        expect(probe('startupProbe'), name).toEqual({ path: '/health', port: 'http' });
        expect(container.ports).toContainEqual(
          expect.objectContaining({ name: 'http', containerPort: Number(config.PORT) }),
        );

        expect(pod.terminationGracePeriodSeconds as number).toBeGreaterThan(SHUTDOWN_SECONDS);
        expect((pod.terminationGracePeriodSeconds as number) * 1000).toBeGreaterThan(shutdownMs);

        const resources = container.resources as Record<string, Record<string, string>>;
        for (const kind of ['requests', 'limits']) {
          expect(Object.keys(resources[kind]).sort(), `${name} ${kind}`).toEqual(['cpu', 'memory']);
        }

        expect(pod.securityContext).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect((pod.securityContext as Json).runAsUser).not.toBe(0);
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(pod.automountServiceAccountToken).toBe(false);
      }
    });

    it('the read-only root has writable /tmp (emptyDir) and /data (the shared claim)', () => {
      const claims = objects.filter((obj) => obj.kind === 'PersistentVolumeClaim');
      for (const deployment of deployments) {
        const pod = podSpecOf(deployment) as { volumes: Json[] };
        const mounts = containersOf(deployment)[0].volumeMounts as Json[];
        const volumeAt = (path: string) => {
          const mount = mounts.find((m) => m.mountPath === path);
          return pod.volumes.find((v) => v.name === mount?.name);
        };
        expect(volumeAt('/tmp')?.emptyDir).toBeDefined();
        const data = volumeAt('/data') as { persistentVolumeClaim?: { claimName: string } };
        expect(data.persistentVolumeClaim, deployment.metadata.name).toBeDefined();
        expect(claims.map((c) => c.metadata.name)).toContain(data.persistentVolumeClaim?.claimName);
      }
      expect(config.EXPORT_DIR.startsWith('/data/')).toBe(true);
      expect(config.FILES_LOCAL_ROOT.startsWith('/data/')).toBe(true);
      expect(config.HEALTH_DISK_PATH).toBe('/data');
    });

    it('config and secret are wired in, migrations are left to the Job', () => {
      for (const workload of [...deployments, find(objects, 'Job', 'nest-starter-migrate')]) {
        expect(containersOf(workload)[0].envFrom).toEqual([
          { configMapRef: { name: 'nest-starter-config' } },
          { secretRef: { name: 'nest-starter' } },
        ]);
      }
      const [example] = loadObjects(join(K8S, 'base', 'secret.example.yaml'));
      expect(example.metadata.name).toBe('nest-starter');
      expect(config.NODE_ENV).toBe('production');
      expect(config.DB_MIGRATE_ON_START).toBe('false');
    });

    it('Service, HPAs and PDBs point at the pods that exist', () => {
      const podLabels = (name: string) =>
        (find(objects, 'Deployment', name).spec as { template: { metadata: Json } }).template
          .metadata.labels as Record<string, string>;
      const service = find(objects, 'Service', 'nest-starter-api').spec as {
        selector: Record<string, string>;
        ports: Array<{ targetPort: string }>;
      };
      expect(podLabels('nest-starter-api')).toMatchObject(service.selector);
      expect(service.ports[0].targetPort).toBe('http');
      for (const role of ['api', 'worker']) {
        const name = `nest-starter-${role}`;
        const hpa = find(objects, 'HorizontalPodAutoscaler', name).spec as {
          scaleTargetRef: { kind: string; name: string };
          minReplicas: number;
          maxReplicas: number;
        };
        expect(hpa.scaleTargetRef).toMatchObject({ kind: 'Deployment', name });
        expect(hpa.maxReplicas).toBeGreaterThanOrEqual(hpa.minReplicas);
        const pdb = find(objects, 'PodDisruptionBudget', name).spec as {
          selector: { matchLabels: Record<string, string> };
          minAvailable?: number;
        };
        expect(podLabels(name)).toMatchObject(pdb.selector.matchLabels);
        // A PDB that keeps every replica blocks node drains.
        const replicas = (find(objects, 'Deployment', name).spec as { replicas: number }).replicas;
        expect(pdb.minAvailable ?? 0).toBeLessThan(Math.max(replicas, hpa.minReplicas));
      }
    });
  });

  it('a patch of a path that does not exist fails the build instead of adding it', () => {
    expect(() => build(join(K8S, 'base'))).not.toThrow();
    expect(() =>
      applyPatch({ spec: {} }, { op: 'replace', path: '/spec/replicas', value: 1 }),
    ).toThrow(/absent/);
  });
});
