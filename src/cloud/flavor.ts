// The flavor, image and Neutron extensions `fit`, `capacity --flavor` and `doctor` read, validated
// at this boundary like the rest of the cloud (src/cloud/client.ts).
import type { ZodType } from 'zod';
import { CloudError, type CloudSession } from './client.js';
import { type CloudFlavor, type CloudImage, type CloudSnapshot, FlavorSchema, ImageSchema } from './types.js';

/** Microversion 2.61: flavors carry their extra_specs. */
export const FLAVOR_MICROVERSION = '2.61';

function parse<T>(value: unknown, schema: ZodType<T>, where: string, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new CloudError(
    `${where}: the ${what} is not as expected: ${issue.path.join('.') || '(item)'}: ${issue.message}`,
    `osa-sriov reads the ${what} as the OpenStack API documents it; report this with the answer's JSON`,
  );
}

/** A flavor by id or name, with its extra specs (public and private flavors; an admin sees all). */
export async function readFlavor(session: CloudSession, ref: string): Promise<CloudFlavor> {
  const all = await session.list('compute', '/flavors/detail', 'flavors', {
    query: { is_public: 'None' },
    microversion: FLAVOR_MICROVERSION,
  });
  const flavors = all.map((f) => parse(f, FlavorSchema, 'Nova GET /flavors/detail', 'flavor'));
  const byId = flavors.filter((f) => f.id === ref);
  const byName = flavors.filter((f) => f.name === ref);
  const found = byId.length === 1 ? byId : byName;
  if (found.length === 0)
    throw new CloudError(
      `Nova has no flavor with the id or name ${JSON.stringify(ref)}`,
      `openstack flavor list --all lists them (${flavors
        .slice(0, 8)
        .map((f) => f.name)
        .join(', ')}${flavors.length > 8 ? ', …' : ''})`,
    );
  if (found.length > 1)
    throw new CloudError(
      `several flavors are named ${JSON.stringify(ref)} (${found.map((f) => f.id).join(', ')})`,
      'give the flavor id instead',
    );
  const f = found[0]!;
  if (f.extra_specs === undefined) {
    // A Nova older than 2.61: the extra specs have their own call.
    const specs = (await session.get('compute', `/flavors/${encodeURIComponent(f.id)}/os-extra_specs`)) as {
      extra_specs?: unknown;
    } | null;
    const parsed = parse(
      { ...f, extra_specs: specs?.extra_specs ?? {} },
      FlavorSchema,
      'Nova GET /flavors/{id}/os-extra_specs',
      'flavor extra specs',
    );
    return parsed;
  }
  return f;
}

/** An image by id or name (Glance v2). */
export async function readImage(session: CloudSession, ref: string): Promise<CloudImage> {
  const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
  if (byId) {
    try {
      return parse(
        await session.get('image', `/v2/images/${encodeURIComponent(ref)}`),
        ImageSchema,
        'Glance GET /v2/images/{id}',
        'image',
      );
    } catch (e) {
      if (!(e instanceof CloudError) || !/HTTP 404/.test(e.message)) throw e;
    }
  }
  const found = (await session.list('image', '/v2/images', 'images', { query: { name: ref } })).map((i) =>
    parse(i, ImageSchema, 'Glance GET /v2/images', 'image'),
  );
  if (found.length === 0)
    throw new CloudError(
      `Glance has no image with the id or name ${JSON.stringify(ref)}`,
      'openstack image list lists them',
    );
  if (found.length > 1)
    throw new CloudError(
      `several images are named ${JSON.stringify(ref)} (${found.map((i) => i.id).join(', ')})`,
      'give the image id instead',
    );
  return found[0]!;
}

/** The image's properties that matter to Nova's NUMA decisions (hw_*), as Glance returns them. */
export function imageProperties(image: CloudImage | Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).filter(([k]) => k.startsWith('hw_')));
}

/**
 * The hw_* properties of the images of servers in ERROR, for doctor's NUMA explanation: id →
 * properties, null for an image that can no longer be read (deleted, or no image service).
 */
export async function readErrorServerImages(
  session: CloudSession,
  cloud: CloudSnapshot,
): Promise<Map<string, Record<string, unknown> | null>> {
  const out = new Map<string, Record<string, unknown> | null>();
  if (session.endpoint('image') === null) return out;
  const ids = new Set<string>();
  for (const s of cloud.servers ?? []) {
    if (s.status !== 'ERROR') continue;
    const image = (s as { image?: unknown }).image;
    const id = image && typeof image === 'object' ? (image as { id?: unknown }).id : null;
    if (typeof id === 'string' && id !== '') ids.add(id);
  }
  await Promise.all(
    [...ids].map(async (id) => {
      try {
        out.set(id, imageProperties(await readImage(session, id)));
      } catch (e) {
        if (!(e instanceof CloudError)) throw e;
        out.set(id, null);
      }
    }),
  );
  return out;
}
