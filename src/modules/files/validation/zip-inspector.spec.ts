import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as files from '../../../../test/factories/hostile-files.js';
import { ContentInspector, KNOWN_TYPES, type InspectionPolicy } from './content-inspector.js';

const MB = 1024 * 1024;
const CHUNK_SIZES = [1, 7, 64 * 1024];
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const policy = (zip: Partial<InspectionPolicy['zip']> = {}, allowedTypes = KNOWN_TYPES) => ({
  allowedTypes,
  maxBytes: 10 * MB,
  zip: { maxRatio: 100, maxUncompressedBytes: 50 * MB, maxEntries: 100, ...zip },
});

async function inspect(
  buffer: Buffer,
  options: { policy?: InspectionPolicy; declared?: string; chunk?: number } = {},
) {
  const inspector = new ContentInspector(options.policy ?? policy(), options.declared);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  await pipeline(files.chunked(buffer, options.chunk ?? 64 * 1024), inspector, sink);
  return inspector.result();
}

const rejected = (reasonCode: string, code = 'VALIDATION_FAILED') =>
  expect.objectContaining({ name: 'FileRejectedError', code, reasonCode });

/** Offset of the first central directory record. */
const centralAt = (zip: Buffer) => zip.indexOf(Buffer.from('PK\x01\x02', 'latin1'));

describe('ZIP inspection: accepted archives', () => {
  it.each(CHUNK_SIZES)('detects DOCX, XLSX and plain ZIP (%i-byte chunks)', async (chunk) => {
    expect(await inspect(await files.docx(), { chunk })).toMatchObject({
      mimeType: DOCX,
      extension: 'docx',
    });
    expect(await inspect(await files.xlsx(), { chunk })).toMatchObject({
      mimeType: XLSX,
      extension: 'xlsx',
    });
    const zip = await files.zipOf([{ name: 'a.txt', data: 'hello' }]);
    expect(await inspect(zip, { chunk })).toMatchObject({ mimeType: 'application/zip' });
  });

  it.each(CHUNK_SIZES)('handles data descriptors and stored entries (%i)', async (chunk) => {
    const zip = await files.zipOf([
      { name: 'a.txt', data: 'a'.repeat(10_000), dataDescriptor: true },
      { name: 'b.bin', data: randomBytes(3000), method: 'store' },
      { name: 'c.bin', data: randomBytes(70_000), dataDescriptor: true },
      { name: 'empty/', data: '' },
    ]);
    expect(await inspect(zip, { chunk })).toMatchObject({ mimeType: 'application/zip' });
  });

  it('accepts an empty archive and a nested archive without opening it', async () => {
    const empty = await files.zipOf([]);
    expect(await inspect(empty)).toMatchObject({ mimeType: 'application/zip' });
    const inner = await files.zipOf([{ name: 'x.txt', data: 'x' }]);
    const nested = await files.zipOf([{ name: 'inner.zip', data: inner, method: 'store' }]);
    expect(await inspect(nested)).toMatchObject({ mimeType: 'application/zip' });
  });

  it('accepts DOCX declared as application/zip or x-zip-compressed', async () => {
    for (const declared of ['application/zip', 'application/x-zip-compressed']) {
      expect(await inspect(await files.docx(), { declared })).toMatchObject({ mimeType: DOCX });
    }
  });

  it('accepts exactly maxEntries entries', async () => {
    const zip = await files.zipOf(Array.from({ length: 10 }, (_, i) => ({ name: `${i}.txt` })));
    await expect(inspect(zip, { policy: policy({ maxEntries: 10 }) })).resolves.toBeTruthy();
  });
});

describe('ZIP inspection: type policy', () => {
  it('refuses XLSX where only DOCX is allowed (decided at the end)', async () => {
    await expect(inspect(await files.xlsx(), { policy: policy({}, [DOCX]) })).rejects.toEqual(
      rejected('type_not_allowed', 'UNSUPPORTED_MEDIA_TYPE'),
    );
  });

  it('refuses any archive where no ZIP type is allowed', async () => {
    await expect(
      inspect(await files.docx(), { policy: policy({}, ['image/png']) }),
    ).rejects.toEqual(rejected('type_not_allowed', 'UNSUPPORTED_MEDIA_TYPE'));
  });

  it('refuses DOCX declared as an image', async () => {
    await expect(inspect(await files.docx(), { declared: 'image/png' })).rejects.toEqual(
      rejected('type_mismatch', 'UNSUPPORTED_MEDIA_TYPE'),
    );
  });
});

describe('ZIP inspection: bombs', () => {
  it.each(CHUNK_SIZES.slice(1))('refuses a 200 MB zip bomb (%i-byte chunks)', async (chunk) => {
    await expect(inspect(await files.zipBomb(), { chunk })).rejects.toEqual(rejected('zip_bomb'));
  });

  it('refuses a bomb whose headers lie about its size, by counting real output', async () => {
    const bomb = await files.zipBombLyingHeaders();
    await expect(
      inspect(bomb, { policy: policy({ maxRatio: 1e9, maxUncompressedBytes: 1e12 }) }),
    ).rejects.toEqual(rejected('zip_bomb'));
  });

  it('refuses by real compression ratio when sizes are only in a data descriptor', async () => {
    const zip = await files.zipOf([
      { name: 'z', data: Buffer.alloc(5 * MB), dataDescriptor: true },
    ]);
    const error = await inspect(zip).catch((e: unknown) => e);
    expect(error).toEqual(rejected('zip_bomb'));
    expect(error).toMatchObject({
      reason: 'archive expands too much (compression ratio over 100)',
    });
  });

  it('refuses by real total size when sizes are only in a data descriptor', async () => {
    const zip = await files.zipOf([{ name: 'r', data: randomBytes(2 * MB), dataDescriptor: true }]);
    await expect(inspect(zip, { policy: policy({ maxUncompressedBytes: MB }) })).rejects.toEqual(
      rejected('zip_bomb'),
    );
  });

  it('refuses by declared sizes in the local header', async () => {
    const zip = await files.zipOf([{ name: 'r', data: randomBytes(2 * MB) }]);
    await expect(inspect(zip, { policy: policy({ maxUncompressedBytes: MB }) })).rejects.toEqual(
      rejected('zip_bomb'),
    );
  });

  it('refuses by declared sizes in the central directory', async () => {
    const zip = await files.zipOf([{ name: 'a.txt', data: 'hello', dataDescriptor: true }]);
    zip.writeUInt32LE(0x7fffffff, centralAt(zip) + 24);
    await expect(inspect(zip)).rejects.toEqual(rejected('zip_bomb'));
  });

  it('refuses more than maxEntries entries', async () => {
    const zip = await files.zipOf(Array.from({ length: 11 }, (_, i) => ({ name: `${i}.txt` })));
    await expect(inspect(zip, { policy: policy({ maxEntries: 10 }) })).rejects.toEqual(
      rejected('zip_too_many_entries'),
    );
  });
});

describe('ZIP inspection: unsupported and malformed archives', () => {
  it('refuses encrypted entries', async () => {
    const zip = await files.zipOf([{ name: 'secret.txt', data: 'x', encrypted: true }]);
    await expect(inspect(zip)).rejects.toEqual(rejected('zip_encrypted'));
  });

  it('refuses unsupported compression methods and Zip64 markers', async () => {
    const bzip = await files.zipOf([{ name: 'a', data: 'x', method: 'store', methodNumber: 12 }]);
    await expect(inspect(bzip)).rejects.toEqual(rejected('zip_unsupported'));
    const zip64 = await files.zipOf([{ name: 'a', data: 'x', declaredSize: 0xffffffff }]);
    await expect(inspect(zip64)).rejects.toEqual(rejected('zip_unsupported'));
  });

  it('refuses a stored entry with a data descriptor', async () => {
    const zip = await files.zipOf([
      { name: 'a', data: 'x', method: 'store', dataDescriptor: true },
    ]);
    await expect(inspect(zip)).rejects.toEqual(rejected('zip_malformed'));
  });

  it.each(CHUNK_SIZES)('refuses truncated archives (%i-byte chunks)', async (chunk) => {
    const zip = await files.docx();
    for (const cut of [40, Math.floor(zip.length / 2), zip.length - 10]) {
      await expect(inspect(zip.subarray(0, cut), { chunk })).rejects.toEqual(
        rejected('zip_malformed'),
      );
    }
  });

  it('refuses corrupt deflate data', async () => {
    const zip = await files.zipOf([
      { name: 'a', raw: { deflated: Buffer.alloc(64, 0xff), size: 10, crc: 0 } },
    ]);
    await expect(inspect(zip)).rejects.toEqual(rejected('zip_malformed'));
  });

  it('refuses a central directory that disagrees with the local entries', async () => {
    const zip = await files.zipOf([
      { name: 'a', data: 'x' },
      { name: 'b', data: 'y' },
    ]);
    const eocd = zip.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
    zip.writeUInt16LE(1, eocd + 8);
    zip.writeUInt16LE(1, eocd + 10);
    await expect(inspect(zip)).rejects.toEqual(rejected('zip_malformed'));
  });

  it('refuses garbage between entries', async () => {
    const entry = await files.zipOf([{ name: 'a', data: deflateRawSync('x').toString('latin1') }]);
    const broken = Buffer.concat([entry.subarray(0, centralAt(entry)), Buffer.from('JUNKJUNK')]);
    await expect(inspect(broken)).rejects.toEqual(rejected('zip_malformed'));
  });
});
